// Fan-out. An event to a few endpoints gets its deliveries written at ingest and one batch job. An
// event to more (FAN_OUT_WRITTEN_AT_INGEST_MAX) leaves the API as one row of matched endpoints and one
// write-deliveries job: the worker writes the deliveries ingest announced, by the same ids, and every
// endpoint gets the event exactly once — also when Redis lost the job (the reconciler) or an endpoint
// went away in between. Deliveries accepted together travel in batch jobs: one of the batch that
// fails is retried by its own delayed job (job id = delivery id), a batch taken again (after a
// crash, or a failed write) sends nothing it already attempted, and a delivery's own job added
// while its batch waited (as the reconciler does in a long backlog) neither sends it beside the
// batch nor brings its retry forward.
import { FAN_OUT_WRITTEN_AT_INGEST_MAX } from "@hookline/db";
import {
  DELIVERY_BATCH_JOB_NAME,
  DELIVERY_JOB_NAME,
  DELIVERY_JOB_OPTIONS,
  DELIVERY_QUEUE_NAME,
  WRITE_DELIVERIES_JOB_NAME,
} from "@hookline/queue";
import {
  type Platform,
  type ReceivedRequest,
  type Receiver,
  startPlatform,
  startReceiver,
  waitFor,
} from "@hookline/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

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

async function tenantWithEndpoints(count: number) {
  const tenant = await platform.createTenant();
  const endpointIds: string[] = [];
  for (let index = 0; index < count; index++) {
    const created = await platform.call("POST", `/v1/applications/${tenant.appId}/endpoints`, {
      key: tenant.partnerKey,
      body: { url: `${receiver.url}/${tenant.appId}/${index}` },
    });
    expect(created.status).toBe(201);
    endpointIds.push(created.body.id);
  }
  return { ...tenant, endpointIds };
}

const send = (
  tenant: { appId: string; producerKey: string },
  body: object,
  headers?: Record<string, string>,
) =>
  platform.call("POST", `/v1/applications/${tenant.appId}/events`, {
    key: tenant.producerKey,
    body,
    headers,
  });

const jobsWaiting = async () => (await queue.getJobCounts("wait")).wait ?? 0;

async function writtenDeliveries(eventId: string): Promise<string[]> {
  const { rows } = await platform.db.$client.query<{ id: string }>(
    "select id from deliveries where event_id = $1 order by id",
    [eventId],
  );
  return rows.map((row) => row.id);
}

async function pendingEndpoints(eventId: string): Promise<string[] | undefined> {
  const { rows } = await platform.db.$client.query<{ endpoint_ids: string[] }>(
    "select endpoint_ids from pending_fan_outs where event_id = $1",
    [eventId],
  );
  return rows[0]?.endpoint_ids;
}

const requestsTo = (appId: string, index?: number) =>
  receiver.requests.filter((request) =>
    index === undefined ? request.path.startsWith(`/${appId}/`) : request.path === `/${appId}/${index}`,
  );

/** Waits for `count` requests to the tenant's endpoints, then a little longer for any extra one. */
async function expectDeliveredOnce(appId: string, count: number, eventId: string) {
  await waitFor(() => requestsTo(appId).length >= count, { what: `${count} deliveries` });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const requests = requestsTo(appId);
  expect(requests).toHaveLength(count);
  expect(new Set(requests.map((request) => request.path)).size).toBe(count);
  expect(new Set(requests.map((request) => request.headers["webhook-id"]))).toEqual(new Set([eventId]));
}

const sortedIds = (deliveries: { id: string }[]) => deliveries.map((delivery) => delivery.id).sort();

describe("fan-out", () => {
  it("writes a large fan-out's deliveries in the worker, by the ids ingest answered with, and delivers each once", async () => {
    const endpoints = FAN_OUT_WRITTEN_AT_INGEST_MAX * 3;
    const tenant = await tenantWithEndpoints(endpoints);
    const before = await jobsWaiting();
    const sent = await send(tenant, { eventType: "order.created", payload: { big: true } });
    expect(sent.status).toBe(202);
    expect(sent.body.deliveries).toHaveLength(endpoints);
    expect(new Set(sent.body.deliveries.map((d: { endpointId: string }) => d.endpointId))).toEqual(
      new Set(tenant.endpointIds),
    );
    // Ingest wrote the event and the endpoints it matched, and queued one job for the worker.
    expect(await writtenDeliveries(sent.body.id)).toEqual([]);
    expect((await pendingEndpoints(sent.body.id))?.sort()).toEqual([...tenant.endpointIds].sort());
    expect((await jobsWaiting()) - before).toBe(1);
    expect((await queue.getJob(sent.body.id))?.name).toBe(WRITE_DELIVERIES_JOB_NAME);

    await platform.startWorker();
    await expectDeliveredOnce(tenant.appId, endpoints, sent.body.id);
    expect(await writtenDeliveries(sent.body.id)).toEqual(sortedIds(sent.body.deliveries));
    expect(await pendingEndpoints(sent.body.id)).toBeUndefined();
  });

  it("answers a repeated idempotency key with every announced delivery, written or not yet", async () => {
    const tenant = await tenantWithEndpoints(FAN_OUT_WRITTEN_AT_INGEST_MAX + 1);
    const body = { eventType: "order.created", payload: { n: 1 }, idempotencyKey: "fan-out-repeat" };
    const first = await send(tenant, body);
    const pending = await send(tenant, body);
    expect(pending.status).toBe(202);
    expect(pending.body.id).toBe(first.body.id);
    expect(sortedIds(pending.body.deliveries)).toEqual(sortedIds(first.body.deliveries));

    await platform.startWorker();
    await expectDeliveredOnce(tenant.appId, FAN_OUT_WRITTEN_AT_INGEST_MAX + 1, first.body.id);
    const written = await send(tenant, body);
    expect(sortedIds(written.body.deliveries)).toEqual(sortedIds(first.body.deliveries));
  });

  it("recovers a pending fan-out whose job Redis lost, through the reconciler", async () => {
    const tenant = await tenantWithEndpoints(FAN_OUT_WRITTEN_AT_INGEST_MAX + 2);
    const sent = await send(tenant, { eventType: "order.created", payload: { lost: true } });
    await (await queue.getJob(sent.body.id))?.remove();
    expect(await queue.getJob(sent.body.id)).toBeUndefined();

    // The test platform's reconciler grace is 1 s; its pass every second finds the event after that.
    await platform.startWorker();
    await expectDeliveredOnce(tenant.appId, FAN_OUT_WRITTEN_AT_INGEST_MAX + 2, sent.body.id);
    expect(await pendingEndpoints(sent.body.id)).toBeUndefined();
  });

  it("skips an endpoint deleted between ingest and the worker writing the deliveries", async () => {
    const endpoints = FAN_OUT_WRITTEN_AT_INGEST_MAX + 2;
    const tenant = await tenantWithEndpoints(endpoints);
    const sent = await send(tenant, { eventType: "order.created", payload: { deleted: true } });
    const [gone] = tenant.endpointIds;
    const deleted = await platform.call("DELETE", `/v1/applications/${tenant.appId}/endpoints/${gone}`, {
      key: tenant.partnerKey,
    });
    expect(deleted.status).toBe(204);

    await platform.startWorker();
    await expectDeliveredOnce(tenant.appId, endpoints - 1, sent.body.id);
    const written = await platform.db.$client.query<{ endpoint_id: string }>(
      "select endpoint_id from deliveries where event_id = $1",
      [sent.body.id],
    );
    expect(written.rows.map((row) => row.endpoint_id)).not.toContain(gone);
    expect(written.rows).toHaveLength(endpoints - 1);
  });

  it("writes a small fan-out at ingest and enqueues it as one batch job, delivered once each", async () => {
    const tenant = await tenantWithEndpoints(FAN_OUT_WRITTEN_AT_INGEST_MAX);
    const before = await jobsWaiting();
    const sent = await send(tenant, { eventType: "order.created", payload: { small: true } });
    expect(sent.status).toBe(202);
    expect(await writtenDeliveries(sent.body.id)).toEqual(sortedIds(sent.body.deliveries));
    expect(await pendingEndpoints(sent.body.id)).toBeUndefined();
    expect((await jobsWaiting()) - before).toBe(1);
    const ids = sent.body.deliveries.map((delivery: { id: string }) => delivery.id);
    expect((await queue.getJob(`batch-${ids[0]}`))?.data).toEqual({ deliveryIds: ids });
    for (const id of ids) expect(await queue.getJob(id)).toBeUndefined();

    await platform.startWorker();
    await expectDeliveredOnce(tenant.appId, FAN_OUT_WRITTEN_AT_INGEST_MAX, sent.body.id);
  });
});

describe("batch jobs", () => {
  /** One event to the tenant's endpoints: written at ingest, queued as one batch job. */
  async function sentAsBatch(tenant: Awaited<ReturnType<typeof tenantWithEndpoints>>) {
    const sent = await send(tenant, { eventType: "order.created", payload: { batch: true } });
    expect(sent.status).toBe(202);
    const ids = sent.body.deliveries.map((delivery: { id: string }) => delivery.id) as string[];
    const batchJobId = `batch-${ids[0]}`;
    expect((await queue.getJob(batchJobId))?.data).toEqual({ deliveryIds: ids });
    return { eventId: sent.body.id as string, ids, batchJobId };
  }

  async function deliveryRow(id: string) {
    const { rows } = await platform.db.$client.query<{ status: string; round_attempts: number }>(
      "select status, round_attempts from deliveries where id = $1",
      [id],
    );
    return rows[0];
  }

  it("retries a failed delivery of a batch as its own job, and delivers the others once", async () => {
    const tenant = await tenantWithEndpoints(3);
    const { eventId, ids } = await sentAsBatch(tenant);
    let failures = 0;
    receiver.setScript((request) =>
      request.path === `/${tenant.appId}/1` && failures++ === 0 ? { status: 500 } : { status: 204 },
    );
    await platform.startWorker();

    await waitFor(() => requestsTo(tenant.appId).length >= 4, { what: "3 deliveries and 1 retry" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requestsTo(tenant.appId, 0)).toHaveLength(1);
    expect(requestsTo(tenant.appId, 1)).toHaveLength(2);
    expect(requestsTo(tenant.appId, 2)).toHaveLength(1);
    expect(new Set(requestsTo(tenant.appId).map((request) => request.headers["webhook-id"]))).toEqual(
      new Set([eventId]),
    );
    for (const id of ids) {
      await waitFor(async () => (await deliveryRow(id))?.status === "succeeded", { what: `${id} recorded` });
    }
  });

  it("taken again, a batch sends nothing it already attempted; the next try waits in its own job", async () => {
    const tenant = await tenantWithEndpoints(2);
    const { ids, batchJobId } = await sentAsBatch(tenant);
    receiver.setScript((request) =>
      request.path === `/${tenant.appId}/1` ? { status: 500 } : { status: 204 },
    );
    await platform.startWorker();
    const [delivered, failing] = ids as [string, string];

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
    expect(requestsTo(tenant.appId)).toHaveLength(3);

    // The same batch again, as a stalled job taken over after a crash would be.
    await queue.add(
      DELIVERY_BATCH_JOB_NAME,
      { deliveryIds: ids },
      { ...DELIVERY_JOB_OPTIONS, jobId: batchJobId },
    );
    await waitFor(async () => (await queue.getJob(batchJobId)) === undefined, { what: "the batch done" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requestsTo(tenant.appId)).toHaveLength(3);
    expect(await deliveryRow(failing)).toEqual({ status: "pending", round_attempts: 2 });
  });

  /** The delivery's own job, as the reconciler adds it for an overdue delivery. */
  const addOwnJob = (deliveryId: string) =>
    queue.add(DELIVERY_JOB_NAME, { deliveryId }, { ...DELIVERY_JOB_OPTIONS, jobId: deliveryId });

  it("does not send a delivery again through its own job while its batch's attempt is under way", async () => {
    const tenant = await tenantWithEndpoints(2);
    const { ids, batchJobId } = await sentAsBatch(tenant);
    const [slow] = ids as [string, string];
    await addOwnJob(slow);
    receiver.setScript((request) =>
      request.path === `/${tenant.appId}/0` ? { status: 204, delayMs: 800 } : { status: 204 },
    );
    await platform.startWorker();

    await waitFor(async () => (await deliveryRow(slow))?.status === "succeeded", {
      what: "the slow delivery",
    });
    await waitFor(
      async () => (await queue.getJob(batchJobId)) === undefined && (await queue.getJob(slow)) === undefined,
      { what: "both jobs done" },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requestsTo(tenant.appId, 0)).toHaveLength(1);
    expect(requestsTo(tenant.appId, 1)).toHaveLength(1);
    expect(await deliveryRow(slow)).toEqual({ status: "succeeded", round_attempts: 1 });
  });

  it("a delivery's own job waits for the retry its batch scheduled instead of trying again at once", async () => {
    const tenant = await tenantWithEndpoints(2);
    const patched = await platform.call(
      "PATCH",
      `/v1/applications/${tenant.appId}/endpoints/${tenant.endpointIds[1]}`,
      { key: tenant.partnerKey, body: { retrySchedule: ["3s", "1h"] } },
    );
    expect(patched.status).toBe(200);
    const { ids } = await sentAsBatch(tenant);
    const failing = ids[1] as string;
    await addOwnJob(failing);
    receiver.setScript((request) =>
      request.path === `/${tenant.appId}/1` ? { status: 500 } : { status: 204 },
    );
    await platform.startWorker();

    await waitFor(() => requestsTo(tenant.appId, 1).length >= 2, { what: "the retry", timeoutMs: 10_000 });
    const [first, retry] = requestsTo(tenant.appId, 1) as [ReceivedRequest, ReceivedRequest];
    // The schedule's 3 s, not at once after the batch's try. They count from when that try began,
    // which on a busy machine is a few hundred ms before it arrived.
    expect(retry.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(2_000);
    await waitFor(async () => (await deliveryRow(failing))?.round_attempts === 2, {
      what: "the retry recorded",
    });
    expect(requestsTo(tenant.appId, 0)).toHaveLength(1);
  });
});
