// A sender that misbehaves, on purpose, against a real Express receiver on each store: duplicates,
// reordering, late and replayed deliveries, forgeries, tampering, rotation, failing handlers, crashes.
import { randomBytes, randomUUID } from "node:crypto";
import express from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { webhookMiddleware } from "./express.js";
import {
  createIdempotentHandler,
  type IdempotentHandlerOptions,
  type WebhookEvent,
} from "./idempotent-handler.js";
import type { Problem } from "./problem.js";
import { sign } from "./sign.js";
import type { IdempotencyStore } from "./stores/store.js";
import { createStoreFixture, eventually, listen, STORE_KINDS, type StoreFixture } from "./test-services.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const SECRET = newSecret();
const nowSeconds = () => Math.floor(Date.now() / 1000);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Delivery {
  id: string;
  body: string;
  headers: Record<string, string>;
}

function delivery(
  overrides: { id?: string; secret?: string | string[]; timestamp?: number; data?: unknown } = {},
) {
  const id = overrides.id ?? `msg_${randomUUID()}`;
  const body = JSON.stringify({
    type: "order.paid",
    timestamp: new Date().toISOString(),
    data: overrides.data ?? { id },
  });
  const headers = sign({
    secret: overrides.secret ?? SECRET,
    id,
    timestamp: overrides.timestamp ?? nowSeconds(),
    body,
  });
  return { id, body, headers };
}

describe.each(STORE_KINDS)("hostile sender against the %s store", (kind) => {
  let fixture: StoreFixture;
  let store: IdempotencyStore;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    fixture = await createStoreFixture(kind);
    store = fixture.store;
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  afterAll(() => fixture.cleanup());

  /** A receiver on port 0 that records every event its handler completes. */
  async function receiver(
    options: Partial<IdempotentHandlerOptions> & { secrets?: string[]; clock?: () => Date } = {},
  ) {
    const calls: WebhookEvent[] = [];
    const processed: WebhookEvent[] = [];
    const handler = createIdempotentHandler({
      store,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
      handle: async (event) => {
        calls.push(event);
        processed.push(event);
      },
      ...options,
    });
    const app = express();
    app.post(
      "/webhooks",
      webhookMiddleware({ secrets: options.secrets ?? [SECRET], now: options.clock }),
      handler,
    );
    const server = await listen(app);
    closers.push(async () => {
      await handler.idle();
      await server.close();
    });
    const send = (sent: Delivery) =>
      fetch(`${server.url}/webhooks`, {
        method: "POST",
        body: sent.body,
        headers: { ...sent.headers, "content-type": "application/json" },
      });
    return { handler, send, calls, processed };
  }

  it("processes one webhook id sent 20 times in a row exactly once", async () => {
    const { handler, send, processed } = await receiver();
    const sent = delivery();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await send(sent)).status);
    expect(statuses[0]).toBe(202);
    expect(statuses.slice(1).every((status) => status === 200)).toBe(true);
    await handler.idle();
    expect(processed.map((event) => event.id)).toEqual([sent.id]);
    expect(await store.get(sent.id)).toMatchObject({ state: "done", attempts: 1 });
  });

  it("processes one webhook id sent 50 times concurrently exactly once", async () => {
    let running = 0;
    let overlapped = false;
    const { handler, send, calls } = await receiver({
      handle: async (event) => {
        running += 1;
        overlapped ||= running > 1;
        calls.push(event);
        await pause(50);
        running -= 1;
      },
    });
    const sent = delivery();
    const responses = await Promise.all(Array.from({ length: 50 }, () => send(sent)));
    expect(responses.every((response) => response.ok)).toBe(true);
    expect(responses.filter((response) => response.status === 202)).toHaveLength(1);
    await handler.idle();
    expect(calls).toHaveLength(1);
    expect(overlapped).toBe(false);
  });

  it("processes reordered deliveries (the later event first) once each", async () => {
    const { handler, send, processed } = await receiver();
    const earlier = delivery({ timestamp: nowSeconds() - 30, data: { seq: 1 } });
    const later = delivery({ data: { seq: 2 } });
    for (const sent of [later, earlier, later, earlier]) expect((await send(sent)).ok).toBe(true);
    await handler.idle();
    expect(processed.map((event) => event.id).sort()).toEqual([earlier.id, later.id].sort());
  });

  it("refuses a delivery that arrives after the tolerance, and records nothing", async () => {
    const { send, calls } = await receiver();
    const late = delivery({ timestamp: nowSeconds() - 301 });
    const response = await send(late);
    expect(response.status).toBe(401);
    expect(((await response.json()) as Problem).type).toBe("urn:hookline:receiver:timestamp-too-old");
    expect(await store.get(late.id)).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it("refuses a forged signature", async () => {
    const { send, calls } = await receiver();
    const sent = delivery();
    const forged = {
      ...sent,
      headers: { ...sent.headers, "webhook-signature": `v1,${randomBytes(32).toString("base64")}` },
    };
    expect((await send(forged)).status).toBe(401);
    expect((await send(delivery({ id: sent.id, secret: newSecret() }))).status).toBe(401);
    expect(await store.get(sent.id)).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it("refuses a replayed delivery: stale timestamp, or old signature under a fresh timestamp", async () => {
    let clock = new Date();
    const { handler, send, processed } = await receiver({ clock: () => clock });
    const original = delivery();
    expect((await send(original)).status).toBe(202);
    clock = new Date(Date.now() + 10 * 60_000);
    expect((await send(original)).status).toBe(401);
    const retimed = {
      ...original,
      headers: { ...original.headers, "webhook-timestamp": String(nowSeconds() + 600) },
    };
    expect((await send(retimed)).status).toBe(401);
    await handler.idle();
    expect(processed).toHaveLength(1);
  });

  it("refuses a body changed by one byte", async () => {
    const { send, calls } = await receiver();
    const sent = delivery({ data: { amount: 100 } });
    const tampered = { ...sent, body: sent.body.replace('"amount":100', '"amount":900') };
    expect(tampered.body.length).toBe(sent.body.length);
    const response = await send(tampered);
    expect(response.status).toBe(401);
    expect(await store.get(sent.id)).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it("accepts a rotated secret: old and new signatures, receiver knowing only one of them", async () => {
    const [previous, current] = [newSecret(), newSecret()];
    const knowsNew = await receiver({ secrets: [current] });
    const knowsOld = await receiver({ secrets: [previous] });
    const first = delivery({ secret: [current, previous] });
    const second = delivery({ secret: [current, previous] });
    expect((await knowsNew.send(first)).status).toBe(202);
    expect((await knowsOld.send(second)).status).toBe(202);
    await knowsNew.handler.idle();
    await knowsOld.handler.idle();
    expect(knowsNew.processed.map((event) => event.id)).toEqual([first.id]);
    expect(knowsOld.processed.map((event) => event.id)).toEqual([second.id]);
  });

  it("recovers a handler that fails twice in the background and processes the event once", async () => {
    let failuresLeft = 2;
    const processed: string[] = [];
    const { handler, send } = await receiver({
      handle: async (event) => {
        if (failuresLeft-- > 0) throw new Error("database briefly down");
        processed.push(event.id);
      },
    });
    const sent = delivery();
    expect((await send(sent)).status).toBe(202);
    await handler.idle();
    expect(processed).toEqual([sent.id]);
    expect(await store.get(sent.id)).toMatchObject({ state: "done", attempts: 3 });
    expect((await send(sent)).status).toBe(200);
  });

  it("calls onFailure once and marks the event failed when the handler always fails", async () => {
    const failures: Array<{ id: string; error: unknown }> = [];
    const { handler, send } = await receiver({
      handle: async () => {
        throw new Error("permanently broken");
      },
      onFailure: async (event, error) => {
        failures.push({ id: event.id, error });
      },
    });
    const sent = delivery();
    expect((await send(sent)).status).toBe(202);
    await handler.idle();
    expect((await send(sent)).status).toBe(200);
    await handler.idle();
    expect(failures).toHaveLength(1);
    expect(failures[0]?.id).toBe(sent.id);
    expect(await store.get(sent.id)).toMatchObject({
      state: "failed",
      attempts: 3,
      lastError: "Error: permanently broken",
    });
  });

  it("recovers an event acknowledged by a receiver that crashed before processing it", async () => {
    const sent = delivery();
    const payload = JSON.parse(sent.body);
    const crashedLease = await store.claim({ id: sent.id, timestamp: nowSeconds(), payload }, 50);
    expect(crashedLease).not.toBeNull();
    const { handler, send, processed } = await receiver();
    expect((await send(sent)).status).toBe(200);
    await pause(100);
    const stop = handler.startSweeper(20);
    await eventually(async () => expect(await store.get(sent.id)).toMatchObject({ state: "done" }));
    stop();
    await handler.idle();
    expect(processed.map((event) => event.payload)).toEqual([payload]);
  });
});
