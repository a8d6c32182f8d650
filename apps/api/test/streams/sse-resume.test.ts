// Resume after a cut: the real `eventsource` client (v4) reads through a proxy that the test cuts
// mid-stream while many producers send at once. It reconnects on its own with Last-Event-ID, and
// every event arrives exactly once, in stream order.
import {
  type CuttableProxy,
  type Platform,
  startCuttableProxy,
  startPlatform,
  waitFor,
} from "@hookline/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { comparePositions, parseCursor } from "../../src/streams/cursor.js";
import { produce, readSse, repeated } from "./stream-clients.js";

let platform: Platform;
let proxy: CuttableProxy;

beforeAll(async () => {
  platform = await startPlatform({ worker: false, env: { HOOKLINE_STREAM_RECONNECT_DELAY: "100ms" } });
  proxy = await startCuttableProxy(platform.url);
});
afterAll(async () => {
  await proxy?.close();
  await platform?.close();
});

it("an EventSource cut mid-stream resumes by itself with Last-Event-ID and gets every event exactly once", async () => {
  const { appId, partnerKey, producerKey } = await platform.createTenant();
  const before = await produce(platform, appId, producerKey, 20, { concurrency: 4 });
  // `?lastEventId=earliest` stays in the URL of every reconnect: only Last-Event-ID winning over it
  // keeps the reconnects from replaying the log from the start.
  const reader = readSse(proxy.url, `/v1/applications/${appId}/stream?lastEventId=earliest`, {
    key: partnerKey,
  });
  await waitFor(() => reader.events.length >= 20, { what: "the 20 events sent before connecting" });

  let producing = true;
  const cutter = (async () => {
    while (producing) {
      await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 250));
      if (producing) proxy.cut();
    }
  })();
  const during = await produce(platform, appId, producerKey, 1200, { concurrency: 12 });
  producing = false;
  await cutter;
  const expected = [...before, ...during];

  await waitFor(() => reader.events.length >= expected.length, {
    what: `all ${expected.length} events`,
    timeoutMs: 30_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 300)); // anything extra would show up now
  reader.close();

  expect(proxy.cuts).toBeGreaterThanOrEqual(3);
  expect(reader.opens).toBeGreaterThan(proxy.cuts / 2);
  expect(repeated(reader.events)).toEqual([]);
  expect(new Set(reader.events.map((event) => event.id))).toEqual(new Set(expected));
  const positions = reader.events.map((event) => parseCursor(event.cursor));
  for (let i = 1; i < positions.length; i++) {
    expect(comparePositions(positions[i - 1] as never, positions[i] as never)).toBeLessThan(0);
  }
});
