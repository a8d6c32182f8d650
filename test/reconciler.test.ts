// Postgres is the truth: a delivery whose job Redis lost (flush, restart, crash between commit
// and enqueue) is delivered anyway by the reconciler; and ingest is idempotent per key.
import { createDeliveryQueue, createWorkerConnection } from "@hookline/queue";
import {
  type Platform,
  type Receiver,
  startPlatform,
  startReceiver,
  TEST_REDIS_URL,
  waitFor,
} from "@hookline/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await platform?.close();
});

async function tenantWithEndpoint(path: string) {
  const tenant = await platform.createTenant();
  await platform.call("POST", `/v1/applications/${tenant.appId}/endpoints`, {
    key: tenant.partnerKey,
    body: { url: `${receiver.url}${path}` },
  });
  return tenant;
}

async function send(appId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await platform.call("POST", `/v1/applications/${appId}/events`, { body, headers });
  expect(response.status).toBe(202);
  return response.body as { id: string; duplicate: boolean; deliveries: { id: string }[] };
}

/** What a Redis restart without persistence does to this deployment: every key of it is gone. */
async function loseRedisData(prefix: string) {
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  return keys.length;
}

describe("reconciler", () => {
  it("delivers events whose queued jobs were lost with Redis' data", async () => {
    const { appId } = await tenantWithEndpoint("/lost-redis");
    const events = [];
    for (let i = 0; i < 5; i++) events.push(await send(appId, { eventType: "lost.redis", payload: { i } }));
    expect(await loseRedisData(platform.config.queuePrefix)).toBeGreaterThan(0);

    await platform.startWorker();
    await waitFor(() => receiver.requests.filter((r) => r.path === "/lost-redis").length === 5, {
      what: "reconciled deliveries",
    });
    const ids = receiver.requests.filter((r) => r.path === "/lost-redis").map((r) => r.headers["webhook-id"]);
    expect(new Set(ids)).toEqual(new Set(events.map((event) => event.id)));
    await platform.stopWorker();
  });

  it("delivers an event whose job was removed between commit and processing", async () => {
    const { appId } = await tenantWithEndpoint("/lost-job");
    const event = await send(appId, { eventType: "lost.job", payload: {} });
    const connection = createWorkerConnection(TEST_REDIS_URL);
    const queue = createDeliveryQueue(connection, platform.config.queuePrefix);
    const deliveryId = event.deliveries[0]?.id ?? "";
    expect(await queue.getJob(deliveryId)).toBeDefined();
    await queue.remove(deliveryId);
    expect(await queue.getJob(deliveryId)).toBeUndefined();
    await queue.close();
    connection.disconnect();

    const worker = await platform.startWorker();
    await waitFor(
      async () => (await worker.reconcile()) >= 0 && receiver.requests.some((r) => r.path === "/lost-job"),
    );
    await waitFor(async () => {
      const delivery = await platform.call("GET", `/v1/applications/${appId}/deliveries/${deliveryId}`);
      return delivery.body.status === "succeeded";
    });
    expect(receiver.requests.filter((r) => r.path === "/lost-job")).toHaveLength(1);
    await platform.stopWorker();
  });
});

describe("idempotent ingest", () => {
  it("returns the first event for a repeated Idempotency-Key, from the header or the body", async () => {
    const { appId } = await tenantWithEndpoint("/idem");
    const first = await send(
      appId,
      { eventType: "idem.a", payload: { n: 1 } },
      { "idempotency-key": "order-42" },
    );
    const again = await send(
      appId,
      { eventType: "idem.a", payload: { n: 2 } },
      { "idempotency-key": "order-42" },
    );
    const viaBody = await send(appId, { eventType: "idem.a", payload: { n: 3 }, idempotencyKey: "order-42" });
    expect(first.duplicate).toBe(false);
    for (const repeat of [again, viaBody]) {
      expect(repeat.duplicate).toBe(true);
      expect(repeat.id).toBe(first.id);
      expect(repeat.deliveries).toEqual(first.deliveries);
    }
    const stored = await platform.call("GET", `/v1/applications/${appId}/events/${first.id}`);
    expect(stored.body.payload).toEqual({ n: 1 });
  });

  it("records one event when the same key arrives concurrently", async () => {
    const { appId } = await tenantWithEndpoint("/idem-race");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        send(appId, { eventType: "idem.race", payload: { n } }, { "idempotency-key": "race" }),
      ),
    );
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    const list = await platform.call("GET", `/v1/applications/${appId}/events`);
    expect(list.body.data).toHaveLength(1);
  });

  it("scopes idempotency keys to their application", async () => {
    const a = await tenantWithEndpoint("/idem-a");
    const b = await tenantWithEndpoint("/idem-b");
    const inA = await send(a.appId, { eventType: "x.y", payload: {} }, { "idempotency-key": "shared" });
    const inB = await send(b.appId, { eventType: "x.y", payload: {} }, { "idempotency-key": "shared" });
    expect(inB.id).not.toBe(inA.id);
    expect(inB.duplicate).toBe(false);
  });
});
