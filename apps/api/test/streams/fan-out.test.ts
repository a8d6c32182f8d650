// Live fan-out across API instances: two API processes share nothing but Postgres and Redis, and a
// reader on either receives what was ingested through the other, without sticky sessions.
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ApiProcess, spawnApi } from "./api-process.js";
import { produce, readSse, readWs, repeated } from "./stream-clients.js";

let platform: Platform;
let second: ApiProcess;

beforeAll(async () => {
  // A long poll interval: delivery within it can only come from the pub/sub wake-up.
  platform = await startPlatform({ worker: false, env: { HOOKLINE_STREAM_POLL_INTERVAL: "30s" } });
  second = await spawnApi(platform, { HOOKLINE_STREAM_POLL_INTERVAL: "30s" });
}, 60_000);
afterAll(async () => {
  await second?.stop();
  await platform?.close();
});

it("a reader on one API process receives, within moments, what was ingested through another", async () => {
  const { appId, partnerKey, producerKey } = await platform.createTenant();
  const sseOnSecond = readSse(second.url, `/v1/applications/${appId}/stream`, { key: partnerKey });
  const wsOnFirst = readWs(platform.url, `/v1/applications/${appId}/ws`, { key: partnerKey });
  await waitFor(() => sseOnSecond.controls.some((control) => control.name === "ready"), {
    what: "SSE ready",
  });
  await waitFor(() => wsOnFirst.controls.some((control) => control.name === "ready"), { what: "WS ready" });

  const throughFirst = await produce(platform, appId, producerKey, 30, { concurrency: 3 });
  const throughSecond = await produce({ call: callOn(second.url) }, appId, producerKey, 30, {
    concurrency: 3,
  });
  const all = [...throughFirst, ...throughSecond];

  await waitFor(() => sseOnSecond.events.length >= 60 && wsOnFirst.events.length >= 60, {
    what: "60 events on both readers",
    timeoutMs: 10_000,
  });
  sseOnSecond.close();
  wsOnFirst.socket.close();
  for (const reader of [sseOnSecond, wsOnFirst]) {
    expect(repeated(reader.events)).toEqual([]);
    expect(new Set(reader.events.map((event) => event.id))).toEqual(new Set(all));
  }
  // Both instances order the log the same way: the cursor is a property of the event, not of the server.
  expect(sseOnSecond.events.map((event) => event.cursor)).toEqual(
    wsOnFirst.events.map((event) => event.cursor),
  );
});

function callOn(baseUrl: string): Platform["call"] {
  return async (method, path, options = {}) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
}
