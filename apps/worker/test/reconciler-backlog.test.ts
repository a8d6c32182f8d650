// The reconciler under a backlog of deferred deliveries: deliveries the endpoint gate deferred keep
// their old next_attempt_at (no attempt was recorded), so Postgres calls them overdue while their
// jobs wait in Redis. However many there are, a delivery that really lost its job behind them must
// still be found: the reconciler walks on page by page instead of rereading the first page.
import { createLogger } from "@hookline/core";
import { createDeliveryQueue, createWorkerConnection, type DeliveryQueue } from "@hookline/queue";
import { type Platform, startPlatform, TEST_REDIS_URL } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReconciler } from "../src/reconciler.js";

let platform: Platform;
let queue: DeliveryQueue;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
  queue = createDeliveryQueue(createWorkerConnection(TEST_REDIS_URL), platform.config.queuePrefix);
});
afterAll(async () => {
  await queue?.close();
  await platform?.close();
});

describe("reconciler walk", () => {
  it("reaches a delivery that lost its job behind more overdue deliveries than one page holds", async () => {
    const { appId } = await platform.createTenant();
    await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
      body: { url: "http://127.0.0.1:9/nowhere" },
    });
    const deliveryIds: string[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await platform.call("POST", `/v1/applications/${appId}/events`, {
        body: { eventType: "backlog.item", payload: { i } },
      });
      deliveryIds.push(response.body.deliveries[0].id);
    }
    // Every job exists (as a deferred delivery's would), except the newest one's: Redis lost it.
    const lost = deliveryIds.at(-1) as string;
    await (await queue.getJob(lost))?.remove();
    expect(await queue.getJob(lost)).toBeUndefined();

    const reconciler = startReconciler(
      { db: platform.db, queue, logger: createLogger({ level: "silent", name: "test" }) },
      { intervalMs: 3_600_000, graceMs: 0, batchSize: 3 },
    );
    try {
      // Pages of 3 over 7 overdue deliveries: the lost one is on the third page.
      const seen = [await reconciler.runOnce(), await reconciler.runOnce()];
      expect(seen).toEqual([3, 3]);
      expect(await queue.getJob(lost)).toBeUndefined();
      expect(await reconciler.runOnce()).toBe(1);
      expect((await queue.getJob(lost))?.id).toBe(lost);
      // Then the walk starts over.
      expect(await reconciler.runOnce()).toBe(3);
    } finally {
      await reconciler.stop();
    }
  });
});
