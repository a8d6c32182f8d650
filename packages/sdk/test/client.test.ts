// The SDK against a real API: typed answers, pagination over real cursors, typed errors.
import { createServer } from "node:net";
import { type Platform, startPlatform } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collect,
  createHooklineClient,
  HooklineApiError,
  type HooklineClient,
  HooklineConnectionError,
} from "../src/index.js";

let platform: Platform;
let admin: HooklineClient;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
  admin = createHooklineClient({ baseUrl: platform.url, apiKey: platform.adminKey });
});
afterAll(async () => {
  await platform?.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

describe("SDK client", () => {
  it("creates an application, a partner key and an endpoint, and sends an event idempotently", async () => {
    const app = await admin.applications.create({ name: "Acme", uid: "acme-sdk" });
    expect(app.id).toMatch(/^app_/);
    expect(await admin.applications.get("acme-sdk")).toEqual(app);

    const key = await admin.keys.create({ role: "partner", applicationId: app.id });
    expect(key.key).toBeTruthy();
    const partner = createHooklineClient({ baseUrl: platform.url, apiKey: key.key });
    const endpoint = await partner.endpoints.create(app.id, {
      url: "http://127.0.0.1:9/hooks",
      eventTypes: ["invoice.paid"],
      retrySchedule: ["1s", "5m"],
    });
    expect(endpoint).toMatchObject({ eventTypes: ["invoice.paid"], retrySchedule: ["1s", "5m"] });
    const { key: secret } = await partner.endpoints.getSecret(app.id, endpoint.id);
    expect(secret).toMatch(/^whsec_/);

    const first = await admin.events.send(app.id, {
      eventType: "invoice.paid",
      payload: { amount: 100 },
      idempotencyKey: "inv-1",
    });
    expect(first.deliveries).toEqual([{ id: expect.stringMatching(/^dlv_/), endpointId: endpoint.id }]);
    const again = await admin.events.send(app.id, {
      eventType: "invoice.paid",
      payload: { amount: 100 },
      idempotencyKey: "inv-1",
    });
    expect(again).toMatchObject({ id: first.id, duplicate: true });

    const event = await partner.events.get(app.id, first.id);
    expect(event.payload).toEqual({ amount: 100 });
    expect(event.deliveries.map((delivery) => delivery.status)).toEqual(["pending"]);
    const pending = await partner.deliveries.list(app.id, { status: "pending" });
    expect(pending.data.map((delivery) => delivery.eventId)).toEqual([first.id]);
  });

  it("walks every page of a list with listAll, newest first", async () => {
    const app = await admin.applications.create({ name: "paged" });
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) {
      sent.push((await admin.events.send(app.id, { eventType: "page.test", payload: { i } })).id);
    }
    const firstPage = await admin.events.list(app.id, { limit: 3 });
    expect(firstPage.data).toHaveLength(3);
    expect(firstPage.nextCursor).not.toBeNull();
    const all = await collect(admin.events.listAll(app.id, { limit: 3 }));
    expect(all.map((event) => event.id)).toEqual([...sent].reverse());
    const filtered = await collect(admin.events.listAll(app.id, { limit: 2, eventType: "other.type" }));
    expect(filtered).toEqual([]);
  });

  it("throws HooklineApiError of kind not-found, with the operation, for an unknown id", async () => {
    const error = await rejection(admin.applications.get("no-such-app"));
    expect(error).toBeInstanceOf(HooklineApiError);
    expect(error).toMatchObject({
      kind: "not-found",
      status: 404,
      operation: "GET /v1/applications/{appId}",
    });
  });

  it("reports invalid input as kind invalid-request with field errors", async () => {
    const app = await admin.applications.create({ name: "invalid" });
    const error = (await rejection(
      admin.endpoints.create(app.id, { url: "http://127.0.0.1/x", retrySchedule: ["soon"] }),
    )) as HooklineApiError;
    expect(error.kind).toBe("invalid-request");
    expect(error.fieldErrors.map((field) => field.path)).toEqual(["body.retrySchedule.0"]);
  });

  it("tells an unknown key (unauthorized) from a key whose role may not do this (forbidden)", async () => {
    const stranger = createHooklineClient({ baseUrl: platform.url, apiKey: "hl_not_a_real_key_000000000" });
    expect(await rejection(stranger.applications.list())).toMatchObject({
      kind: "unauthorized",
      status: 401,
    });

    const app = await admin.applications.create({ name: "roles" });
    const producerKey = await admin.keys.create({ role: "producer", applicationId: app.id });
    const producer = createHooklineClient({ baseUrl: platform.url, apiKey: producerKey.key });
    expect(await rejection(producer.deadLetters.list())).toMatchObject({ kind: "forbidden", status: 403 });
  });

  it("answers undefined for 204 operations and conflict for replaying what is not dead", async () => {
    const key = await admin.keys.create({ role: "admin", name: "temporary" });
    await expect(admin.keys.revoke(key.id)).resolves.toBeUndefined();
    expect(await rejection(admin.keys.revoke(key.id))).toMatchObject({ kind: "not-found" });
    expect(await rejection(admin.deadLetters.replay("dlq_01J0000000000000000000000A"))).toMatchObject({
      kind: "not-found",
    });
    expect(await admin.deadLetters.replayMany({ dryRun: true })).toEqual({ replayed: 0, dryRun: true });
  });

  it("throws HooklineConnectionError naming the cause when the API cannot be reached", async () => {
    const port = await closedPort();
    const offline = createHooklineClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: platform.adminKey });
    const error = await rejection(offline.applications.list());
    expect(error).toBeInstanceOf(HooklineConnectionError);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect((error as Error).message).toContain("GET /v1/applications");
  });

  it("sends a batch of events in one call, one result per event in order", async () => {
    const app = await admin.applications.create({ name: "batch" });
    const batch = await admin.events.sendBatch(app.id, {
      events: [
        { eventType: "a.one", payload: { n: 1 } },
        { eventType: "a.two", payload: { n: 2 } },
      ],
    });
    expect(batch.data.map((result) => result.eventType)).toEqual(["a.one", "a.two"]);
    const listed = await collect(admin.events.listAll(app.id));
    expect(listed.map((event) => event.id).sort()).toEqual(batch.data.map((result) => result.id).sort());
  });

  it("mints a stream token and builds the stream URLs with their query", async () => {
    const app = await admin.applications.create({ name: "streams" });
    const token = await admin.streams.createToken(app.id);
    expect(new Date(token.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const sse = admin.streams.url(app.id, { token: token.token, eventTypes: "a.one,a.two" });
    expect(sse.pathname).toBe(`/v1/applications/${app.id}/stream`);
    expect(sse.searchParams.get("eventTypes")).toBe("a.one,a.two");
    const ws = admin.streams.url(app.id, { lastEventId: "earliest" }, "ws");
    expect(ws.protocol).toBe("ws:");
    expect(ws.pathname).toBe(`/v1/applications/${app.id}/ws`);

    // The token opens the stream without an Authorization header, as a browser's EventSource would.
    const controller = new AbortController();
    const response = await fetch(sse, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    controller.abort();
  });

  it("exposes the raw typed client for any path of the document", async () => {
    const { data, response } = await admin.raw.GET("/v1/applications", { params: { query: { limit: 1 } } });
    expect(response.status).toBe(200);
    expect(data?.data).toHaveLength(1);
  });
});

/** A port nothing listens on: bind one, then free it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
