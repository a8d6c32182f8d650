// One cursor for both transports: a client can switch from SSE to WebSocket (or back) mid-stream
// without a gap or a repeat, and filters apply to both.
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { produce, readSse, readWs, repeated } from "./stream-clients.js";

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
});
afterAll(async () => {
  await platform?.close();
});

describe("stream cursors across transports", () => {
  it("a WebSocket resuming from a cursor taken from the SSE stream gets exactly the events SSE delivered after it", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    const sse = readSse(platform.url, `/v1/applications/${appId}/stream?lastEventId=earliest`, {
      key: partnerKey,
    });
    const producing = produce(platform, appId, producerKey, 150, { concurrency: 6 });
    await waitFor(() => sse.events.length >= 40, { what: "40 events over SSE" });
    const cursor = (sse.events[39] as { cursor: string }).cursor;

    // The WebSocket joins while producers are still sending: part replay, part live tail.
    const ws = readWs(platform.url, `/v1/applications/${appId}/ws?lastEventId=${cursor}`, {
      key: partnerKey,
    });
    await producing;
    await waitFor(() => sse.events.length >= 150, { what: "150 events over SSE" });
    await waitFor(() => ws.events.length >= 110, { what: "110 events over WebSocket" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    sse.close();
    ws.socket.close();

    expect(repeated(ws.events)).toEqual([]);
    const afterCursor = sse.events.slice(40);
    expect(ws.events.map((event) => [event.cursor, event.id])).toEqual(
      afterCursor.map((event) => [event.cursor, event.id]),
    );
    expect(ws.events[0]).toEqual(afterCursor[0]);
  });

  it("?eventTypes= streams only those types, live and replayed, on both transports", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    const types = (index: number) => ["order.created", "order.paid", "user.deleted"][index % 3] as string;
    await produce(platform, appId, producerKey, 30, { eventType: types });
    const query = "?lastEventId=earliest&eventTypes=order.created,user.deleted";
    const sse = readSse(platform.url, `/v1/applications/${appId}/stream${query}`, { key: partnerKey });
    const ws = readWs(platform.url, `/v1/applications/${appId}/ws${query}`, { key: partnerKey });
    await waitFor(() => sse.events.length >= 20 && ws.events.length >= 20, {
      what: "the 20 replayed matches",
    });
    await produce(platform, appId, producerKey, 30, { eventType: types });
    await waitFor(() => sse.events.length >= 40 && ws.events.length >= 40, { what: "the 20 live matches" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    sse.close();
    ws.socket.close();
    for (const reader of [sse, ws]) {
      expect(reader.events).toHaveLength(40);
      expect(new Set(reader.events.map((event) => event.type))).toEqual(
        new Set(["order.created", "user.deleted"]),
      );
    }
  });

  it("without a cursor a stream starts at the live tail, and its `ready` cursor resumes with nothing lost", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    await produce(platform, appId, producerKey, 5);
    const ws = readWs(platform.url, `/v1/applications/${appId}/ws`, { key: partnerKey });
    await waitFor(() => ws.controls.find((control) => control.name === "ready"), { what: "ready" });
    ws.socket.close();
    const ready = ws.controls.find((control) => control.name === "ready") as unknown as {
      body: { cursor: string };
    };
    // Sent while nobody was connected.
    const missed = await produce(platform, appId, producerKey, 5);
    const resumed = readSse(platform.url, `/v1/applications/${appId}/stream`, {
      key: partnerKey,
      headers: { "last-event-id": ready.body.cursor },
    });
    await waitFor(() => resumed.events.length >= 5, { what: "the 5 missed events" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    resumed.close();
    expect(ws.events).toEqual([]);
    expect(new Set(resumed.events.map((event) => event.id))).toEqual(new Set(missed));
  });
});
