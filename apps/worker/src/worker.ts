// Wires the delivery worker: BullMQ consumer → job processor → deliver() stages, plus the endpoint
// cache, the endpoint gate (in-flight cap, circuit breaker), the delivery slots, the batched
// recorder, operational events, the reconciler and the endpoint health sweep. `startWorker` is what
// main.ts and the tests call.
import type { LookupFunction } from "node:net";
import {
  type BreakerTransition,
  type Config,
  checkUrlSyntax,
  createGuardedLookup,
  type Logger,
  SecretBox,
} from "@hookline/core";
import { type Database, ensureOperatorEndpoint } from "@hookline/db";
import {
  announceEndpointChange,
  createDeliveryQueue,
  createWorkerConnection,
  DELIVERY_QUEUE_NAME,
  enqueueNow,
  INFRASTRUCTURE_BACKOFF,
  onEndpointChange,
  type QueueJob,
} from "@hookline/queue";
import { Worker } from "bullmq";
import { createAttemptRecorder } from "./attempt-recorder.js";
import { createBatchWriter } from "./batch-writer.js";
import type { DeliverDeps } from "./deliver.js";
import { createDeliveryLoader } from "./delivery-loader.js";
import { createDeliverySlots } from "./delivery-slots.js";
import { createEndpointCache } from "./endpoint-cache.js";
import { createEndpointGate } from "./endpoint-gate.js";
import { startEndpointHealthSweeper } from "./endpoint-health.js";
import { createHttpSender } from "./http-sender.js";
import { createJobProcessor } from "./job-processor.js";
import { createOperationalEvents, recoveredEvent } from "./operational-events.js";
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
  /** Runs one endpoint health sweep now: disables endpoints failing for too long; returns how many. */
  sweepEndpointHealth(): Promise<number>;
  /** The operations application receiving operational events, or null when they are only logged. */
  operationsApplicationId: string | null;
  /** Stops taking jobs, lets in-flight deliveries finish and be recorded, then closes connections.
   * Bounded by HOOKLINE_SHUTDOWN_TIMEOUT: past it, requests still out are cut short and recorded as
   * failed attempts (retried later, so at worst sent twice, never lost). */
  close(): Promise<void>;
};

export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { config, db, logger } = deps;
  const box = new SecretBox(config.encryptionKey, config.retiredEncryptionKeys);
  const connection = createWorkerConnection(config.redisUrl);
  const subscriber = createWorkerConnection(config.redisUrl);
  // While Redis is away (a restart), ioredis reports each reconnect attempt as an error; they are
  // expected, so they are logged (at most every 10 s per connection) instead of thrown unhandled.
  for (const [name, redis] of [
    ["commands", connection],
    ["subscriber", subscriber],
  ] as const) {
    let lastWarning = 0;
    redis.on("error", (error: Error) => {
      if (Date.now() - lastWarning < 10_000) return;
      lastWarning = Date.now();
      logger.warn({ err: error, connection: name }, "redis connection error; reconnecting");
    });
  }
  const queue = createDeliveryQueue(connection, config.queuePrefix);
  const policy = { allow: config.allowedDestinations, httpsOnly: config.httpsOnly };
  const cache = createEndpointCache({ db, box, policy });
  const loader = createDeliveryLoader(db);
  const sender = createHttpSender({
    connectTimeoutMs: config.connectTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    lookup: deps.lookup ?? createGuardedLookup(policy),
  });
  const operator = config.operatorWebhook
    ? await ensureOperatorEndpoint(db, box, config.operatorWebhook)
    : null;
  if (config.operatorWebhook) {
    const verdict = checkUrlSyntax(config.operatorWebhook.url, policy);
    if (!verdict.ok) logger.warn({ reason: verdict.reason }, "HOOKLINE_OPERATOR_WEBHOOK_URL will be refused");
  }
  const operations = createOperationalEvents({
    db,
    queue,
    logger,
    operationsApplicationId: operator?.applicationId ?? null,
  });
  /** Deliveries parked behind the endpoint's open circuit, due now: on recovery they go out, on
   * disable they are dead-lettered, either way without sleeping out their park. */
  const wakeParked = async (endpointId: string) => {
    await enqueueNow(queue, await gate.takeParked(endpointId));
  };
  const endpointChanged = async (endpointId: string) => {
    cache.invalidate(endpointId);
    await announceEndpointChange(connection, config.queuePrefix, endpointId);
    await wakeParked(endpointId);
  };
  const recorder = createAttemptRecorder(db, {
    write: createBatchWriter({ db, operations, endpointChanged, logger }),
  });

  const reporting = new Set<Promise<void>>();
  const onTransition = (endpointId: string, transition: BreakerTransition) => {
    logger.warn({ endpointId, transition }, `endpoint circuit ${transition.kind}`);
    if (transition.kind !== "recovered") return;
    const report = wakeParked(endpointId)
      .then(() => cache.get(endpointId))
      .then(async (endpoint) => {
        if (!endpoint) return;
        await operations.emit([recoveredEvent(endpoint, { openedAt: transition.openedAt, now: Date.now() })]);
      })
      .catch((error: unknown) =>
        logger.warn({ err: error, endpointId }, "could not report endpoint.recovered"),
      )
      .finally(() => reporting.delete(report));
    reporting.add(report);
  };
  const gate = createEndpointGate({
    redis: connection,
    prefix: config.queuePrefix,
    maxInFlight: config.endpointMaxInFlight,
    requestTimeoutMs: config.requestTimeoutMs,
    breaker: config.breaker,
    onTransition,
    logger,
  });

  // An endpoint changed through the API (or a worker disabled it): drop the cached copy, forget its
  // breaker, and let what was parked behind its circuit try again (or be dead-lettered) now.
  const unsubscribe = await onEndpointChange(subscriber, config.queuePrefix, (id) => {
    cache.invalidate(id);
    gate
      .reset(id)
      .then(() => wakeParked(id))
      .catch((error: unknown) =>
        logger.warn({ err: error, endpointId: id }, "could not wake parked deliveries"),
      );
  });

  // The same for every job (each log line of `deliver` names its delivery).
  const deliverDeps: DeliverDeps = {
    loadDelivery: (id) => loader.load(id),
    loadEndpoint: async (id) => {
      const endpoint = await cache.get(id);
      if (!endpoint?.disabled) return endpoint;
      // Dead-lettering for "disabled" on a stale cache entry (re-enabled a moment ago) would be a
      // wrong verdict: confirm it from Postgres. Rare, so the extra read costs nothing.
      cache.invalidate(id);
      return cache.get(id);
    },
    send: (request) => sender.send(request),
    gate,
    record: (record) => recorder.record(record),
    retryScheduleMs: config.retryScheduleMs,
    logger,
  };

  const process = createJobProcessor({
    db,
    queue,
    slots: createDeliverySlots(config.workerConcurrency),
    deliverDeps,
  });

  const worker = new Worker<QueueJob>(DELIVERY_QUEUE_NAME, process, {
    connection: createWorkerConnection(config.redisUrl),
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    // After a crash (kill -9) the jobs it held run elsewhere once their lock lapses.
    lockDuration: config.jobLockDurationMs,
    stalledInterval: config.jobLockDurationMs,
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

  const healthSweeper = startEndpointHealthSweeper(
    { db, operations, announce: endpointChanged, logger },
    { disableAfterMs: config.endpointDisableAfterMs },
  );

  return {
    reconcile: () => reconciler.runOnce(),
    sweepEndpointHealth: () => healthSweeper.runOnce(),
    operationsApplicationId: operations.applicationId,
    async close() {
      await Promise.all([reconciler.stop(), healthSweeper.stop()]);
      const closing = worker.close();
      if (!(await settlesWithin(closing, config.shutdownTimeoutMs))) {
        logger.warn(
          { timeoutMs: config.shutdownTimeoutMs },
          "shutdown deadline passed: cutting in-flight requests short; they will be retried",
        );
        sender.abort();
        await settlesWithin(closing, 5_000);
      }
      await recorder.close();
      await Promise.all(reporting);
      await unsubscribe().catch(() => {});
      await Promise.all([queue.close(), sender.close()]);
      for (const redis of [connection, subscriber]) redis.disconnect();
    },
  };
}

/** Whether `promise` settles within `ms` (it keeps running either way). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true as const,
        () => true as const,
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
