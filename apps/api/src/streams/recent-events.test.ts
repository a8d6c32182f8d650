import { describe, expect, it } from "vitest";
import { RecentEvents } from "./recent-events.js";
import { StreamEvent } from "./stream-event.js";

function event(xid: number, seq: number): StreamEvent {
  return new StreamEvent({
    position: { xid: BigInt(xid), seq: BigInt(seq) },
    id: `msg_${xid}_${seq}`,
    eventType: "t",
    createdAt: new Date(0),
    payloadJson: "{}",
  });
}

const ids = (events: StreamEvent[] | undefined) => events?.map((e) => e.id);

describe("recent events", () => {
  it("returns what was handed out after a position, however it falls between events", () => {
    const recent = new RecentEvents({ xid: 10n, seq: 0n }, 1_000_000);
    recent.append([event(11, 1), event(11, 2), event(13, 3)]);
    expect(ids(recent.after({ xid: 10n, seq: 0n }))).toEqual(["msg_11_1", "msg_11_2", "msg_13_3"]);
    expect(ids(recent.after({ xid: 11n, seq: 1n }))).toEqual(["msg_11_2", "msg_13_3"]);
    expect(ids(recent.after({ xid: 12n, seq: 99n }))).toEqual(["msg_13_3"]);
    expect(ids(recent.after({ xid: 13n, seq: 3n }))).toEqual([]);
    // Ahead of the tailer: nothing to catch up from memory, the live tail brings the rest.
    expect(ids(recent.after({ xid: 20n, seq: 0n }))).toEqual([]);
  });

  it("refuses a position from before what it holds, once old events are evicted", () => {
    const one = event(11, 1).json.length;
    const recent = new RecentEvents({ xid: 10n, seq: 0n }, one * 2);
    recent.append([event(11, 1), event(11, 2), event(12, 3)]);
    expect(recent.after({ xid: 10n, seq: 0n })).toBeUndefined();
    expect(recent.after({ xid: 11n, seq: 0n })).toBeUndefined();
    expect(ids(recent.after({ xid: 11n, seq: 1n }))).toEqual(["msg_11_2", "msg_12_3"]);
  });

  it("moves its end to a horizon without events", () => {
    const recent = new RecentEvents({ xid: 10n, seq: 0n }, 1_000_000);
    recent.append([event(11, 1)]);
    recent.advanceTo({ xid: 19n, seq: 5n });
    expect(recent.through).toEqual({ xid: 19n, seq: 5n });
    recent.advanceTo({ xid: 15n, seq: 0n });
    expect(recent.through).toEqual({ xid: 19n, seq: 5n });
  });
});
