// Slow consumers: a reader that stops reading fills its bounded outbound buffer. Under `disconnect`
// it is cut and resumes by cursor with nothing lost; under `drop-oldest` and `latest` it stays
// connected and is told with a `gap` what it skipped. A reader that keeps reading is unaffected.
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  produce,
  produceBatches,
  readSse,
  readSseRaw,
  readWs,
  repeated,
  type StreamedEvent,
} from "./stream-clients.js";

let platform: Platform;
const PAD = "x".repeat(8 * 1024);
/** Far more than the 64 KiB buffer plus what the kernel's socket buffers take on loopback. */
const FLOOD = 1500;

beforeAll(async () => {
  platform = await startPlatform({ worker: false, env: { HOOKLINE_STREAM_BUFFER_BYTES: "65536" } });
});
afterAll(async () => {
  await platform?.close();
});

function flood(appId: string, key: string, count = FLOOD, eventType?: (index: number) => string) {
  return produceBatches(platform, appId, key, count, {
    batchSize: 100,
    payload: (index) => ({ index, pad: PAD }),
    ...(eventType ? { eventType } : {}),
  });
}

function inOrder(events: readonly StreamedEvent[]): boolean {
  const positions = events.map((event) => event.cursor.split("-").map(BigInt) as [bigint, bigint]);
  return positions.every(
    (position, i) =>
      i === 0 ||
      (positions[i - 1] as [bigint, bigint])[0] < position[0] ||
      ((positions[i - 1] as [bigint, bigint])[0] === position[0] &&
        (positions[i - 1] as [bigint, bigint])[1] < position[1]),
  );
}

describe("slow consumers", () => {
  it("under `disconnect` a reader that stops reading is cut, resumes by cursor, and loses nothing; a reading one is unaffected", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    const healthy = readSse(platform.url, `/v1/applications/${appId}/stream`, { key: partnerKey });
    const slow = await readSseRaw(platform.url, `/v1/applications/${appId}/stream`, { key: partnerKey });
    await waitFor(() => healthy.controls.length > 0 && slow.controls.length > 0, { what: "both ready" });
    slow.pause();
    const sent = await flood(appId, producerKey);
    await waitFor(() => healthy.events.length >= FLOOD, {
      what: "the healthy reader's events",
      timeoutMs: 20_000,
    });

    slow.resume();
    await slow.ended;
    expect(slow.events.length).toBeLessThan(FLOOD);
    expect(slow.controls.filter((control) => control.name === "gap")).toEqual([]);
    const last = slow.events.at(-1) as StreamedEvent;
    const resumed = readSse(platform.url, `/v1/applications/${appId}/stream`, {
      key: partnerKey,
      headers: { "last-event-id": last.cursor },
    });
    await waitFor(() => slow.events.length + resumed.events.length >= FLOOD, {
      what: "the rest after resuming",
    });
    resumed.close();
    const all = [...slow.events, ...resumed.events];
    expect(repeated(all)).toEqual([]);
    expect(new Set(all.map((event) => event.id))).toEqual(new Set(sent));

    healthy.close();
    expect(healthy.opens).toBe(1);
    expect(healthy.controls.map((control) => control.name)).toEqual(["ready"]);
    expect(new Set(healthy.events.map((event) => event.id))).toEqual(new Set(sent));
  });

  it("under `drop-oldest` a reader that stops reading stays connected and gets a gap naming what it skipped", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    const healthy = readSse(platform.url, `/v1/applications/${appId}/stream?policy=drop-oldest`, {
      key: partnerKey,
    });
    const slow = await readSseRaw(platform.url, `/v1/applications/${appId}/stream?policy=drop-oldest`, {
      key: partnerKey,
    });
    await waitFor(() => healthy.controls.length > 0 && slow.controls.length > 0, { what: "both ready" });
    slow.pause();
    await flood(appId, producerKey);
    await waitFor(() => healthy.events.length >= FLOOD, {
      what: "the healthy reader's events",
      timeoutMs: 20_000,
    });
    slow.resume();

    // Still connected: what is sent after the flood arrives on the same stream.
    const after = await produce(platform, appId, producerKey, 5);
    await waitFor(() => after.every((id) => slow.events.some((event) => event.id === id)), {
      what: "the events sent after the flood",
    });
    slow.close();
    const gaps = slow.controls.filter((control) => control.name === "gap").map((control) => control.body);
    expect(gaps.length).toBeGreaterThan(0);
    const skipped = gaps.reduce((sum, gap) => sum + (gap.skipped as number), 0);
    expect(gaps.every((gap) => gap.reason === "slow-consumer")).toBe(true);
    expect(skipped).toBeGreaterThan(0);
    expect(slow.events.length + skipped).toBe(FLOOD + after.length);
    expect(repeated(slow.events)).toEqual([]);
    expect(inOrder(slow.events)).toBe(true);

    healthy.close();
    expect(healthy.controls.map((control) => control.name)).toEqual(["ready"]);
    expect(healthy.events.length).toBe(FLOOD + after.length);
  });

  it("under `latest` a WebSocket reader that stops reading keeps the newest event of each type and gets a gap", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    const types = ["price.eur", "price.usd", "price.gbp"];
    const healthy = readWs(platform.url, `/v1/applications/${appId}/ws?policy=latest`, { key: partnerKey });
    const slow = readWs(platform.url, `/v1/applications/${appId}/ws?policy=latest`, { key: partnerKey });
    await waitFor(() => healthy.controls.length > 0 && slow.controls.length > 0, { what: "both ready" });
    slow.socket.pause();
    const sent = await flood(appId, producerKey, FLOOD, (index) => types[index % 3] as string);
    await waitFor(() => healthy.events.length >= FLOOD, {
      what: "the healthy reader's events",
      timeoutMs: 20_000,
    });
    slow.socket.resume();
    await waitFor(() => slow.controls.some((control) => control.name === "gap"), { what: "a gap" });
    // The newest event of every type gets through.
    const newest = await Promise.all(types.map((type) => newestOf(appId, type)));
    await waitFor(() => newest.every((id) => slow.events.some((event) => event.id === id)), {
      what: "the newest event of each type",
    });
    slow.socket.close();
    healthy.socket.close();
    const skipped = slow.controls
      .filter((control) => control.name === "gap")
      .reduce((sum, control) => sum + (control.body.skipped as number), 0);
    expect(slow.events.length + skipped).toBe(sent.length);
    expect(repeated(slow.events)).toEqual([]);
    expect(inOrder(slow.events)).toBe(true);
    expect(healthy.controls.map((control) => control.name)).toEqual(["ready"]);
    expect(healthy.events).toHaveLength(FLOOD);
  });
});

async function newestOf(appId: string, eventType: string): Promise<string> {
  const page = await platform.call("GET", `/v1/applications/${appId}/events?eventType=${eventType}&limit=1`);
  return page.body.data[0].id as string;
}
