// A stream's life: browser tokens that expire mid-stream and a resume with a fresh one, keep-alives,
// dead WebSocket peers, and a clean, jittered end when the API instance shuts down.
import { type RunningApi, startApi } from "@hookline/api";
import { createLogger } from "@hookline/core";
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { produce, readSse, readSseRaw, readWs, repeated } from "./stream-clients.js";

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({
    worker: false,
    env: {
      HOOKLINE_STREAM_TOKEN_TTL: "1500ms",
      HOOKLINE_STREAM_SSE_PING_INTERVAL: "200ms",
      HOOKLINE_STREAM_WS_PING_INTERVAL: "200ms",
      HOOKLINE_STREAM_WS_PEER_TIMEOUT: "600ms",
      HOOKLINE_STREAM_RECONNECT_DELAY: "1s",
      // Limits on receiving a request must not cut a response that streams for longer.
      HOOKLINE_API_REQUEST_TIMEOUT: "1s",
      HOOKLINE_API_HEADERS_TIMEOUT: "1s",
    },
  });
});
afterAll(async () => {
  await platform?.close();
});

async function mintToken(appId: string, key: string): Promise<string> {
  const response = await platform.call("POST", `/v1/applications/${appId}/stream-tokens`, { key });
  expect(response.status).toBe(201);
  expect(Date.parse(response.body.expiresAt)).toBeGreaterThan(Date.now());
  return response.body.token as string;
}

describe("stream tokens", () => {
  it("an SSE stream opened with a token ends with token-expired, and a fresh token resumes it with nothing lost or repeated", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    // As a browser: no headers, the token in the URL.
    const first = readSse(
      platform.url,
      `/v1/applications/${appId}/stream?token=${await mintToken(appId, partnerKey)}`,
    );
    await waitFor(() => first.controls.length > 0, { what: "ready" });
    const sent = await produce(platform, appId, producerKey, 5);
    await waitFor(() => first.controls.some((control) => control.name === "token-expired"), {
      what: "token-expired",
    });
    // The EventSource's own reconnect still carries the expired token: refused, so it gives up.
    await waitFor(() => first.source.readyState === first.source.CLOSED, {
      what: "the old EventSource to close",
    });
    const missed = await produce(platform, appId, producerKey, 5);
    const lastCursor = first.events.at(-1)?.cursor as string;
    const second = readSse(
      platform.url,
      `/v1/applications/${appId}/stream?token=${await mintToken(appId, partnerKey)}&lastEventId=${lastCursor}`,
    );
    await waitFor(() => second.events.length >= 5, { what: "the events sent in between" });
    second.close();
    const all = [...first.events, ...second.events];
    expect(repeated(all)).toEqual([]);
    expect(all.map((event) => event.id).sort()).toEqual([...sent, ...missed].sort());
  });

  it("a WebSocket opened with a token gets a token-expired frame and close code 4001", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const ws = readWs(
      platform.url,
      `/v1/applications/${appId}/ws?token=${await mintToken(appId, partnerKey)}`,
    );
    const closed = await ws.closed;
    expect(ws.controls.map((control) => control.name)).toEqual(["ready", "token-expired"]);
    expect(closed).toEqual({ code: 4001, reason: "token-expired" });
  });
});

describe("keep-alive", () => {
  it("keeps SSE and WebSocket streams open past the API's request timeout", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    const sse = readSse(platform.url, `/v1/applications/${appId}/stream`, { key: partnerKey });
    const ws = readWs(platform.url, `/v1/applications/${appId}/ws`, { key: partnerKey });
    await waitFor(() => sse.controls.length > 0 && ws.controls.length > 0, { what: "both ready" });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const sent = await produce(platform, appId, producerKey, 3);
    await waitFor(() => sse.events.length >= 3 && ws.events.length >= 3, { what: "the events" });
    sse.close();
    ws.socket.close();
    expect(sse.opens).toBe(1);
    expect(sse.events.map((event) => event.id)).toEqual(sent);
    expect(ws.events.map((event) => event.id)).toEqual(sent);
  });

  it("SSE suggests a jittered retry and sends `: ping` comments while idle", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const reader = await readSseRaw(platform.url, `/v1/applications/${appId}/stream`, { key: partnerKey });
    await waitFor(() => reader.comments.length >= 2, { what: "two pings" });
    reader.close();
    expect(reader.comments[0]).toBe(": ping");
    expect(reader.retries).toHaveLength(1);
    expect(reader.retries[0]).toBeGreaterThanOrEqual(500);
    expect(reader.retries[0]).toBeLessThanOrEqual(1500);
  });

  it("drops a WebSocket peer that stops answering pings, and keeps one that answers", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const url = `${platform.url.replace(/^http/, "ws")}/v1/applications/${appId}/ws`;
    const headers = { authorization: `Bearer ${partnerKey}` };
    const silent = new WebSocket(url, { headers, autoPong: false });
    const answering = new WebSocket(url, { headers });
    const silentClosed = new Promise<number>((resolve) => silent.once("close", (code) => resolve(code)));
    await waitFor(() => silent.readyState === WebSocket.OPEN && answering.readyState === WebSocket.OPEN, {
      what: "both open",
    });
    expect(await silentClosed).toBe(1006); // terminated, no closing handshake
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(answering.readyState).toBe(WebSocket.OPEN);
    answering.close();
  });
});

describe("shutdown", () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi(
      { config: platform.config, db: platform.db, logger: createLogger({ level: "silent", name: "second" }) },
      { port: 0 },
    );
  });

  it("ends every stream with a reconnect hint spread over 1–5× the reconnect delay", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const sse = await readSseRaw(api.url, `/v1/applications/${appId}/stream`, { key: partnerKey });
    const ws = readWs(api.url, `/v1/applications/${appId}/ws`, { key: partnerKey });
    await waitFor(() => sse.retries.length > 0 && ws.controls.length > 0, { what: "both ready" });
    await api.close();
    await sse.ended;
    const closed = await ws.closed;

    expect(sse.controls.at(-1)).toMatchObject({ name: "disconnect", body: { reason: "shutdown" } });
    const retryMs = sse.retries.at(-1) as number;
    expect(sse.retries).toHaveLength(2);
    expect(retryMs).toBeGreaterThanOrEqual(1000);
    expect(retryMs).toBeLessThanOrEqual(5000);
    expect(sse.controls.at(-1)?.body.retryMs).toBe(retryMs);

    expect(ws.controls.at(-1)).toMatchObject({ name: "reconnect", body: { reason: "shutdown" } });
    expect(closed.code).toBe(1012);
    const wsRetry = ws.controls.at(-1)?.body.retryMs as number;
    expect(wsRetry).toBeGreaterThanOrEqual(1000);
    expect(wsRetry).toBeLessThanOrEqual(5000);
  });
});
