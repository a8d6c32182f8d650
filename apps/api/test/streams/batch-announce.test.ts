// Events ingested in a batch reach live streams through the pub/sub wake-up, like single events,
// not only at the tailer's next poll.
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readSse } from "./stream-clients.js";

let platform: Platform;

beforeAll(async () => {
  // A poll far longer than the wait below: the events can only come from the announcement.
  platform = await startPlatform({ worker: false, env: { HOOKLINE_STREAM_POLL_INTERVAL: "60s" } });
});
afterAll(async () => {
  await platform?.close();
});

it("streams a batch's events as soon as the batch is committed", async () => {
  const { appId, partnerKey, producerKey } = await platform.createTenant();
  const reader = readSse(platform.url, `/v1/applications/${appId}/stream`, { key: partnerKey });
  await waitFor(() => reader.controls.some((control) => control.name === "ready"), { what: "stream ready" });

  const batch = await platform.call("POST", `/v1/applications/${appId}/events/batch`, {
    key: producerKey,
    body: { events: Array.from({ length: 5 }, (_, n) => ({ eventType: "batch.item", payload: { n } })) },
  });
  expect(batch.status).toBe(202);
  await waitFor(() => reader.events.length === 5, { what: "5 streamed events", timeoutMs: 10_000 });
  reader.close();
  expect(reader.events.map((event) => event.id)).toEqual(
    batch.body.data.map((event: { id: string }) => event.id),
  );
});
