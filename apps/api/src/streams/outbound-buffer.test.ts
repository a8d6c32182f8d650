import { describe, expect, it } from "vitest";
import { type FrameSink, type Gap, OutboundBuffer, type SlowConsumerPolicy } from "./outbound-buffer.js";
import { StreamEvent, toFrame } from "./stream-event.js";

/** A socket stand-in: takes frames and, while `reading`, acknowledges them at once. */
function reader() {
  const received: string[] = [];
  const unacknowledged: (() => void)[] = [];
  let reading = true;
  const sink: FrameSink = {
    kind: "ws",
    gapFrame: (gap: Gap) => toFrame(JSON.stringify({ control: "gap", ...gap })),
    write(frames, flushed) {
      received.push(...frames.map((frame) => frame.data.toString()));
      if (reading) flushed();
      else unacknowledged.push(flushed);
    },
  };
  return {
    sink,
    received,
    stop() {
      reading = false;
    },
    /** Reads again, until nothing more comes. */
    async resume() {
      reading = true;
      for (let seen = -1; seen !== received.length; ) {
        seen = received.length;
        for (const flushed of unacknowledged.splice(0)) flushed();
        await ticks();
      }
    },
    frames: () => received.map((text) => JSON.parse(text) as Record<string, unknown>),
  };
}

async function ticks(n = 3) {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

function event(seq: number, type = "t", payloadBytes = 100): StreamEvent {
  return new StreamEvent({
    position: { xid: 1000n, seq: BigInt(seq) },
    id: `msg_${seq}`,
    eventType: type,
    createdAt: new Date(0),
    payloadJson: JSON.stringify({ pad: "x".repeat(payloadBytes) }),
  });
}

const LIMIT = 16 * 1024;

function buffer(sink: FrameSink, policy: SlowConsumerPolicy) {
  return new OutboundBuffer(sink, { limitBytes: LIMIT, policy, startCursor: "1000-0" });
}

describe("outbound buffer", () => {
  it.each(["disconnect", "drop-oldest", "latest"] as const)(
    "under %s, a reader that keeps up gets every event in order and no gap",
    async (policy) => {
      const r = reader();
      const out = buffer(r.sink, policy);
      for (let seq = 1; seq <= 500; seq++) {
        expect(out.offer(event(seq, `t${seq % 3}`))).toBe("queued");
        if (seq % 10 === 0) await ticks(1);
      }
      await ticks();
      const frames = r.frames();
      expect(frames.map((frame) => frame.cursor)).toEqual(
        Array.from({ length: 500 }, (_, i) => `1000-${i + 1}`),
      );
      expect(out.skippedEvents).toBe(0);
    },
  );

  it("under disconnect, a stopped reader overflows once the buffer is full, and the buffer stays bounded", async () => {
    const r = reader();
    const out = buffer(r.sink, "disconnect");
    r.stop();
    let seq = 0;
    let outcome = "queued";
    while (outcome === "queued" && seq < 10_000) {
      outcome = out.offer(event(++seq));
      expect(out.bufferedBytes).toBeLessThanOrEqual(LIMIT);
      await ticks(1);
    }
    expect(outcome).toBe("overflow");
    // Only because the next event did not fit any more.
    expect(out.bufferedBytes + event(seq).frame("ws").bytes).toBeGreaterThan(LIMIT);
  });

  it("under drop-oldest, a stopped reader skips the oldest events and is told with a gap before what follows", async () => {
    const r = reader();
    const out = buffer(r.sink, "drop-oldest");
    out.offer(event(1));
    await ticks();
    r.stop();
    for (let seq = 2; seq <= 1000; seq++) {
      expect(out.offer(event(seq))).not.toBe("overflow");
      expect(out.bufferedBytes).toBeLessThanOrEqual(LIMIT);
      if (seq % 7 === 0) await ticks(1);
    }
    await r.resume();
    const frames = r.frames();
    const gaps = frames.filter((frame) => frame.control === "gap");
    expect(gaps).toHaveLength(1);
    const gap = gaps[0] as Record<string, unknown>;
    expect(gap.reason).toBe("slow-consumer");
    const events = frames.filter((frame) => frame.cursor !== undefined);
    const seqs = events.map((frame) => Number(String(frame.cursor).split("-")[1]));
    // In order, never repeated, and everything is either delivered or counted as skipped.
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.length + (gap.skipped as number)).toBe(1000);
    expect(out.skippedEvents).toBe(gap.skipped);
    // The newest events survive; the gap names the range it skipped and sits right before the rest.
    expect(seqs.at(-1)).toBe(1000);
    const gapIndex = frames.indexOf(gap);
    const before = frames[gapIndex - 1] as Record<string, unknown> | undefined;
    const after = frames[gapIndex + 1] as Record<string, unknown>;
    expect(gap.after).toBe(before?.cursor ?? "1000-1");
    expect(Number(String(after.cursor).split("-")[1])).toBe(Number(String(gap.through).split("-")[1]) + 1);
  });

  it("under latest, a stopped reader keeps the newest event of each type and is told what it skipped", async () => {
    const r = reader();
    const out = buffer(r.sink, "latest");
    r.stop();
    const types = ["price.a", "price.b", "price.c"];
    for (let seq = 1; seq <= 900; seq++) {
      expect(out.offer(event(seq, types[seq % 3]))).not.toBe("overflow");
      expect(out.bufferedBytes).toBeLessThanOrEqual(LIMIT);
      if (seq % 5 === 0) await ticks(1);
    }
    await r.resume();
    const frames = r.frames();
    const gaps = frames.filter((frame) => frame.control === "gap");
    expect(gaps.length).toBeGreaterThan(0);
    const events = frames.filter((frame) => frame.cursor !== undefined);
    const skipped = gaps.reduce((sum, gap) => sum + (gap.skipped as number), 0);
    expect(events.length + skipped).toBe(900);
    const seqs = events.map((frame) => Number(String(frame.cursor).split("-")[1]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The last event of every type reached the reader.
    for (const last of [898, 899, 900]) expect(seqs).toContain(last);
  });

  it("takes one event larger than the whole bound when nothing else waits, rather than stalling", async () => {
    const r = reader();
    const out = buffer(r.sink, "disconnect");
    expect(out.offer(event(1, "big", LIMIT * 2))).toBe("queued");
    await ticks();
    expect(r.frames()).toHaveLength(1);
  });

  it("lets a replay wait for room instead of applying the policy", async () => {
    const r = reader();
    const out = buffer(r.sink, "disconnect");
    r.stop();
    for (let seq = 1; seq <= 200; seq++) out.push(event(seq));
    let resolved = false;
    const room = out.whenBelow(LIMIT / 2).then(() => {
      resolved = true;
    });
    await ticks();
    expect(resolved).toBe(false);
    await r.resume();
    await room;
    expect(r.frames()).toHaveLength(200);
  });
});
