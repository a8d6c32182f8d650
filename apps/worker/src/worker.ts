// Wires the delivery worker: BullMQ consumer → deliver() stages, plus the endpoint cache, the
// batched recorder and the reconciler. `startWorker` is what main.ts and the tests call.
import type { LookupFunction } from "node:net";
import { type Config, createGuardedLookup, type Logger, SecretBox } from "@hookline/core";
import { type Database, loadDeliveryForAttempt } from "@hookline/db";
import {
  createDeliveryQueue,
  createWorkerConnection,
  DELIVERY_QUEUE_NAME,
  type DeliveryJob,
  deliveryJobSchema,
  INFRASTRUCTURE_BACKOFF,
  onEndpointChange,
} from "@hookline/queue";
import { DelayedError, type Job, Worker } from "bullmq";
import { createAttemptRecorder } from "./attempt-recorder.js";
import { deliver } from "./deliver.js";
import { createEndpointCache } from "./endpoint-cache.js";
import { createHttpSender } from "./http-sender.js";
import { startReconciler } from "./reconciler.js";

export type WorkerDeps = {
  config: Config;
  db: Database;
  logger: Logger;
  /** DNS lookup for outgoing connections; the SSRF guard's by default (tests inject resolvers). */
  lookup?: LookupFunction | undefined;
};

export type RunningWorker = {
  /** Runs one reconciler pass now (tests and operators). */
  reconcile(): Promise<number>;
  /** Stops taking jobs, lets in-flight deliveries finish and be recorded, then closes connections. */
  close(): Promise<void>;
};

export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { config, db, logger } = deps;
  const box = new SecretBox(config.encryptionKey, config.retiredEncryptionKeys);
  const connection = createWorkerConnection(config.redisUrl);
  const subscriber = createWorkerConnection(config.redisUrl);
  const queue = createDeliveryQueue(connection, config.queuePrefix);
  const policy = { allow: config.allowedDestinations, httpsOnly: config.httpsOnly };
  const cache = createEndpointCache({ db, box, policy });
  const unsubscribe = await onEndpointChange(subscriber, config.queuePrefix, (id) => cache.invalidate(id));
  const sender = createHttpSender({
    connectTimeoutMs: config.connectTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    lookup: deps.lookup ?? createGuardedLookup(policy),
  });
  const recorder = createAttemptRecorder(db);

  const process = async (job: Job<DeliveryJob>, token?: string) => {
    const { deliveryId } = deliveryJobSchema.parse(job.data);
    const outcome = await deliver(deliveryId, {
      loadDelivery: (id) => loadDeliveryForAttempt(db, id),
      loadEndpoint: (id) => cache.get(id),
      send: (request) => sender.send(request),
      record: (record) => recorder.record(record),
      retryScheduleMs: config.retryScheduleMs,
      logger: logger.child({ deliveryId }),
    });
    if (outcome.kind === "delay") {
      // Same job, same id, later: the delivery keeps its place and its webhook-id.
      await job.moveToDelayed(outcome.at.getTime(), token);
      throw new DelayedError();
    }
  };

  const worker = new Worker<DeliveryJob>(DELIVERY_QUEUE_NAME, process, {
    connection: createWorkerConnection(config.redisUrl),
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string) =>
        type === INFRASTRUCTURE_BACKOFF ? Math.min(1_000 * 2 ** (attemptsMade - 1), 30_000) : 1_000,
    },
  });
  worker.on("failed", (job, error) => {
    logger.warn({ deliveryId: job?.id, err: error }, "delivery job failed; BullMQ will retry it");
  });
  worker.on("error", (error) => logger.warn({ err: error }, "worker connection error"));

  const reconciler = startReconciler(
    { db, queue, logger },
    { intervalMs: config.reconcileIntervalMs, graceMs: config.reconcileGraceMs },
  );

  return {
    reconcile: () => reconciler.runOnce(),
    async close() {
      await reconciler.stop();
      await worker.close();
      await recorder.close();
      await unsubscribe().catch(() => {});
      await Promise.all([queue.close(), sender.close()]);
      for (const redis of [connection, subscriber]) redis.disconnect();
    },
  };
}
