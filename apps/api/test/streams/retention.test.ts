// Retention: a stream replays only what is younger than HOOKLINE_STREAM_RETENTION. A cursor older
// than that gets an explicit `gap` first, never a silent hole; `earliest` means what is retained.
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { produce, readSse, readWs } from "./stream-clients.js";

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ worker: false, env: { HOOKLINE_STREAM_RETENTION: "1s" } });
});
afterAll(async () => {
  await platform?.close();
});

it("a cursor older than retention gets a gap naming what expired, then everything retained", async () => {
  const { appId, partnerKey, producerKey } = await platform.createTenant();
  const types = (index: number) => (index % 2 === 0 ? "kept.type" : "other.type");
  const old = await produce(platform, appId, producerKey, 6, { eventType: types });
  const early = readWs(platform.url, `/v1/applications/${appId}/ws?lastEventId=earliest`, {
    key: partnerKey,
  });
  await waitFor(() => early.events.length >= 6, { what: "the first events while still retained" });
  early.socket.close();
  const cursors = early.events.map((event) => event.cursor);
  expect(early.events.map((event) => event.id)).toEqual(old);

  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const fresh = await produce(platform, appId, producerKey, 4, { eventType: types });

  const resumed = readSse(platform.url, `/v1/applications/${appId}/stream?lastEventId=${cursors[1]}`, {
    key: partnerKey,
  });
  const filtered = readWs(
    platform.url,
    `/v1/applications/${appId}/ws?lastEventId=${cursors[1]}&eventTypes=kept.type`,
    {
      key: partnerKey,
    },
  );
  const retained = readWs(platform.url, `/v1/applications/${appId}/ws?lastEventId=earliest`, {
    key: partnerKey,
  });
  await waitFor(
    () => resumed.events.length >= 4 && filtered.events.length >= 2 && retained.events.length >= 4,
    {
      what: "the retained events",
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  resumed.close();
  filtered.socket.close();
  retained.socket.close();

  expect(resumed.controls.map((control) => control.name)).toEqual(["ready", "gap"]);
  expect(resumed.controls[1]?.body).toEqual({
    reason: "retention",
    after: cursors[1],
    through: cursors[5],
    skipped: 4,
  });
  expect(resumed.events.map((event) => event.id)).toEqual(fresh);

  // Skipped counts what this stream would have sent: its filter applies.
  expect(filtered.controls[1]?.body).toMatchObject({ control: "gap", reason: "retention", skipped: 2 });
  expect(filtered.events.map((event) => event.type)).toEqual(["kept.type", "kept.type"]);

  expect(retained.controls.map((control) => control.name)).toEqual(["ready"]);
  expect(retained.events.map((event) => event.id)).toEqual(fresh);
});
