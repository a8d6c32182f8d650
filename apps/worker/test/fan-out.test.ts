// Large fan-outs leave the API as one job: the first delivery's, carrying its siblings, which the
// worker enqueues when it takes it. Every endpoint still gets the event exactly once.
import { DELIVERY_QUEUE_NAME, FAN_OUT_DIRECT_MAX } from "@hookline/queue";
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  receiver = await startReceiver();
  platform = await startPlatform({ worker: false });
  redis = new Redis(platform.config.redisUrl);
  queue = new Queue(DELIVERY_QUEUE_NAME, { connection: redis, prefix: platform.config.queuePrefix });
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await platform?.close();
  await receiver?.close();
});

async function tenantWithEndpoints(count: number) {
  const tenant = await platform.createTenant();
  for (let index = 0; index < count; index++) {
    const created = await platform.call("POST", `/v1/applications/${tenant.appId}/endpoints`, {
      key: tenant.partnerKey,
      body: { url: `${receiver.url}/${tenant.appId}/${index}` },
    });
    expect(created.status).toBe(201);
  }
  return tenant;
}

const jobsWaiting = async () => (await queue.getJobCounts("wait")).wait ?? 0;

describe("fan-out", () => {
  it("enqueues one job for a large fan-out, and the worker delivers to every endpoint once", async () => {
    const endpoints = FAN_OUT_DIRECT_MAX * 3;
    const tenant = await tenantWithEndpoints(endpoints);
    const before = await jobsWaiting();
    const sent = await platform.call("POST", `/v1/applications/${tenant.appId}/events`, {
      key: tenant.producerKey,
      body: { eventType: "order.created", payload: { big: true } },
    });
    expect(sent.status).toBe(202);
    expect(sent.body.deliveries).toHaveLength(endpoints);
    expect((await jobsWaiting()) - before).toBe(1);

    await platform.startWorker();
    const mine = () => receiver.requests.filter((request) => request.path.startsWith(`/${tenant.appId}/`));
    await waitFor(() => mine().length >= endpoints, { what: `${endpoints} deliveries` });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mine()).toHaveLength(endpoints);
    expect(new Set(mine().map((request) => request.path)).size).toBe(endpoints);
    expect(new Set(mine().map((request) => request.headers["webhook-id"]))).toEqual(new Set([sent.body.id]));
    await platform.stopWorker();
  });

  it("enqueues a small fan-out directly, one job per delivery", async () => {
    const tenant = await tenantWithEndpoints(FAN_OUT_DIRECT_MAX);
    const before = await jobsWaiting();
    const sent = await platform.call("POST", `/v1/applications/${tenant.appId}/events`, {
      key: tenant.producerKey,
      body: { eventType: "order.created", payload: { small: true } },
    });
    expect(sent.status).toBe(202);
    expect((await jobsWaiting()) - before).toBe(FAN_OUT_DIRECT_MAX);
  });
});
