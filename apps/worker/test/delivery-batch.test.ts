// Batch jobs: deliveries accepted together travel in one job. A delivery of the batch that fails
// goes on as its own delayed job (job id = delivery id) and is retried by it; a batch taken again
// (after a crash, or a failed write) sends nothing it already attempted.
import { DELIVERY_BATCH_JOB_NAME, DELIVERY_JOB_OPTIONS, DELIVERY_QUEUE_NAME } from "@hookline/queue";
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDeliverySlots } from "../src/delivery-slots.js";

describe("delivery batch jobs", () => {
  let platform: Platform;
  let receiver: Receiver;
  let redis: Redis;
  let queue: Queue;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform({ worker: false, env: { HOOKLINE_RETRY_SCHEDULE: "300ms,1h" } });
    redis = new Redis(platform.config.redisUrl);
    queue = new Queue(DELIVERY_QUEUE_NAME, { connection: redis, prefix: platform.config.queuePrefix });
  });
  afterEach(async () => {
    await platform.stopWorker();
    receiver.setScript(() => ({ status: 204 }));
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await platform?.close();
    await receiver?.close();
  });

  /** A tenant with `count` endpoints, and one event sent to them (written at ingest, one batch). */
  async function eventToEndpoints(count: number) {
    const tenant = await platform.createTenant();
    for (let index = 0; index < count; index++) {
      const created = await platform.call("POST", `/v1/applications/${tenant.appId}/endpoints`, {
        key: tenant.partnerKey,
        body: { url: `${receiver.url}/${tenant.appId}/${index}` },
      });
      expect(created.status).toBe(201);
    }
    const sent = await platform.call("POST", `/v1/applications/${tenant.appId}/events`, {
      key: tenant.producerKey,
      body: { eventType: "order.created", payload: { batch: true } },
    });
    expect(sent.status).toBe(202);
    const deliveries = sent.body.deliveries as { id: string; endpointId: string }[];
    const batchJobId = `batch-${deliveries[0]?.id}`;
    expect((await queue.getJob(batchJobId))?.data).toEqual({ deliveryIds: deliveries.map((d) => d.id) });
    return { appId: tenant.appId, eventId: sent.body.id as string, deliveries, batchJobId };
  }

  const requestsTo = (appId: string, index?: number) =>
    receiver.requests.filter((request) =>
      index === undefined ? request.path.startsWith(`/${appId}/`) : request.path === `/${appId}/${index}`,
    );

  async function deliveryRow(id: string) {
    const { rows } = await platform.db.$client.query<{ status: string; round_attempts: number }>(
      "select status, round_attempts from deliveries where id = $1",
      [id],
    );
    return rows[0];
  }

  it("retries a failed delivery of a batch as its own job, and delivers the others once", async () => {
    const { appId, eventId, deliveries } = await eventToEndpoints(3);
    let failures = 0;
    receiver.setScript((request) =>
      request.path === `/${appId}/1` && failures++ === 0 ? { status: 500 } : { status: 204 },
    );
    await platform.startWorker();

    await waitFor(() => requestsTo(appId).length >= 4, { what: "3 deliveries and 1 retry" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requestsTo(appId, 0)).toHaveLength(1);
    expect(requestsTo(appId, 1)).toHaveLength(2);
    expect(requestsTo(appId, 2)).toHaveLength(1);
    expect(new Set(requestsTo(appId).map((request) => request.headers["webhook-id"]))).toEqual(
      new Set([eventId]),
    );
    for (const delivery of deliveries) {
      await waitFor(async () => (await deliveryRow(delivery.id))?.status === "succeeded", {
        what: `delivery ${delivery.id} recorded`,
      });
    }
  });

  it("taken again, a batch sends nothing it already attempted; the next try waits in its own job", async () => {
    const { appId, deliveries, batchJobId } = await eventToEndpoints(2);
    receiver.setScript((request) => (request.path === `/${appId}/1` ? { status: 500 } : { status: 204 }));
    await platform.startWorker();
    const [delivered, failing] = deliveries.map((delivery) => delivery.id) as [string, string];

    await waitFor(async () => (await deliveryRow(failing))?.round_attempts === 2, {
      what: "the failing delivery's first try and its retry",
    });
    await waitFor(async () => (await deliveryRow(delivered))?.status === "succeeded", {
      what: "the other delivery recorded",
    });
    // The next try is an hour out, in the delivery's own delayed job.
    const retry = await waitFor(() => queue.getJob(failing), { what: "the failing delivery's own job" });
    expect(await retry.isDelayed()).toBe(true);
    expect(await queue.getJob(batchJobId)).toBeUndefined();
    expect(requestsTo(appId)).toHaveLength(3);

    // The same batch again, as a stalled job taken over after a crash would be.
    await queue.add(
      DELIVERY_BATCH_JOB_NAME,
      { deliveryIds: [delivered, failing] },
      { ...DELIVERY_JOB_OPTIONS, jobId: batchJobId },
    );
    await waitFor(async () => (await queue.getJob(batchJobId)) === undefined, { what: "the batch done" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requestsTo(appId)).toHaveLength(3);
    expect(await deliveryRow(failing)).toEqual({ status: "pending", round_attempts: 2 });
  });
});

describe("delivery slots", () => {
  it("runs at most `size` attempts at once, the others in the order they came", async () => {
    const slots = createDeliverySlots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const attempts = [0, 1, 2, 3, 4].map((n) =>
      slots.run(async () => {
        started.push(n);
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return n;
      }),
    );
    await waitFor(() => started.length === 2, { what: "two attempts started" });
    expect(started).toEqual([0, 1]);
    while (releases.length > 0 || started.length < 5) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(attempts)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  it("frees the slot when an attempt throws", async () => {
    const slots = createDeliverySlots(1);
    await expect(slots.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await slots.run(async () => "next")).toBe("next");
  });
});
