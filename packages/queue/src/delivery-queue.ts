// The delivery queue: a job per delivery, job id = delivery id, so enqueuing the same delivery twice
// is a no-op and the reconciler can re-add what Redis lost without duplicating; fresh deliveries
// travel together, up to DELIVERIES_PER_BATCH in one batch job, so the queue's cost per job is paid
// once per batch. A batch's delivery that needs another try later goes on as its own delayed job.
// Beside them, write-deliveries jobs: events of a large fan-out whose deliveries the worker writes
// first.
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

export const DELIVERY_QUEUE_NAME = "deliveries";
export const DELIVERY_JOB_NAME = "deliver";

/** A delivery job carries only the id: Postgres has the rest. */
export const deliveryJobSchema = z.object({ deliveryId: z.string().min(1) });
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

export const DELIVERY_BATCH_JOB_NAME = "deliver-batch";
/** Most deliveries in one batch job. Each batch is one queue job to add, take and finish instead of
 * this many; small enough that a backlog still spreads over every worker process and a Redis value
 * stays small. */
export const DELIVERIES_PER_BATCH = 50;

/** Deliveries accepted together (an event's, a group commit's, a batch's), delivered by one job. */
export const deliveryBatchJobSchema = z.object({
  deliveryIds: z.array(z.string().min(1)).min(1).max(DELIVERIES_PER_BATCH),
});
export type DeliveryBatchJob = z.infer<typeof deliveryBatchJobSchema>;

export const WRITE_DELIVERIES_JOB_NAME = "write-deliveries";

/** An event whose deliveries ingest announced but left to the worker to write (then enqueue). */
export const writeDeliveriesJobSchema = z.object({ eventId: z.string().min(1) });
export type WriteDeliveriesJob = z.infer<typeof writeDeliveriesJobSchema>;

export type QueueJob = DeliveryJob | DeliveryBatchJob | WriteDeliveriesJob;

/** Backoff used when an attempt could not even be recorded (Postgres or Redis trouble), as opposed
 * to the delivery retry schedule, which the worker applies itself. */
export const INFRASTRUCTURE_BACKOFF = "infrastructure";

export const DELIVERY_JOB_OPTIONS: JobsOptions = {
  // Postgres keeps the history; Redis holds only work still to do.
  removeOnComplete: true,
  // A job that exhausts its infrastructure retries leaves Redis too: the reconciler re-adds it from
  // Postgres once things work again.
  removeOnFail: true,
  attempts: 12,
  backoff: { type: INFRASTRUCTURE_BACKOFF },
};

export type DeliveryQueue = Queue<QueueJob>;

export function createDeliveryQueue(connection: Redis, prefix: string): DeliveryQueue {
  return new Queue<QueueJob>(DELIVERY_QUEUE_NAME, { connection, prefix });
}

type JobSpec = { name: string; data: QueueJob; opts: JobsOptions };

const deliveryJob = (deliveryId: string, delayMs = 0): JobSpec => ({
  name: DELIVERY_JOB_NAME,
  data: { deliveryId },
  opts: { ...DELIVERY_JOB_OPTIONS, jobId: deliveryId, ...(delayMs > 0 ? { delay: delayMs } : {}) },
});

/** Job id from the first delivery: adding the same batch again while it waits is a no-op. */
const deliveryBatchJob = (deliveryIds: string[]): JobSpec => ({
  name: DELIVERY_BATCH_JOB_NAME,
  data: { deliveryIds },
  opts: { ...DELIVERY_JOB_OPTIONS, jobId: `batch-${deliveryIds[0]}` },
});

/** Job id = event id: adding it again while it waits is a no-op, and a second job that does run for
 * the same event writes nothing (the worker takes each pending fan-out once). */
const writeDeliveriesJob = (eventId: string): JobSpec => ({
  name: WRITE_DELIVERIES_JOB_NAME,
  data: { eventId },
  opts: { ...DELIVERY_JOB_OPTIONS, jobId: eventId },
});

/** Adds the jobs with one script call when there is one, else in one MULTI/EXEC. */
async function addJobs(queue: DeliveryQueue, jobs: readonly JobSpec[]): Promise<void> {
  const [only] = jobs;
  if (only === undefined) return;
  if (jobs.length === 1) await queue.add(only.name, only.data, only.opts);
  else await queue.addBulk([...jobs]);
}

/** Adds one job per delivery id, due at once (existing jobs are left as they are). */
export async function enqueueDeliveries(queue: DeliveryQueue, deliveryIds: readonly string[]): Promise<void> {
  await addJobs(
    queue,
    deliveryIds.map((deliveryId) => deliveryJob(deliveryId)),
  );
}

/** Adds a delivery's own job, due at `at` (a retry, or a deferral, of a delivery that came in a
 * batch). A job it already has is left as it is. */
export async function enqueueDelivery(queue: DeliveryQueue, deliveryId: string, at: Date): Promise<void> {
  await addJobs(queue, [deliveryJob(deliveryId, at.getTime() - Date.now())]);
}

/** Enqueues what ingest or a replay accepted, in one Redis call: the deliveries in batch jobs of up
 * to DELIVERIES_PER_BATCH (a lone one as its own job), and a write-deliveries job for each event
 * whose deliveries the worker is to write. Lost with Redis, all of it is in Postgres, where the
 * reconciler finds it. */
export async function enqueueBatched(
  queue: DeliveryQueue,
  deliveryIds: readonly string[],
  unwrittenEventIds: readonly string[] = [],
): Promise<void> {
  const jobs: JobSpec[] = [];
  for (let start = 0; start < deliveryIds.length; start += DELIVERIES_PER_BATCH) {
    const batch = deliveryIds.slice(start, start + DELIVERIES_PER_BATCH);
    jobs.push(batch.length === 1 ? deliveryJob(batch[0] as string) : deliveryBatchJob(batch));
  }
  await addJobs(queue, [...jobs, ...unwrittenEventIds.map(writeDeliveriesJob)]);
}

/** Ids looked at concurrently by `enqueueNow`: their commands share the connection back to back
 * instead of waiting for each other's round trips, and a large wake-up stays bounded in memory. */
const ENQUEUE_NOW_CHUNK = 500;

/** Makes deliveries due now: promotes a waiting (delayed) job, adds a missing one. */
export async function enqueueNow(queue: DeliveryQueue, deliveryIds: readonly string[]): Promise<void> {
  for (let start = 0; start < deliveryIds.length; start += ENQUEUE_NOW_CHUNK) {
    const chunk = deliveryIds.slice(start, start + ENQUEUE_NOW_CHUNK);
    const missing = await Promise.all(
      chunk.map(async (deliveryId) => {
        const job = await queue.getJob(deliveryId);
        if (!job) return deliveryId;
        // Promoting a job that left the delayed set meanwhile (taken, completed) fails: nothing to do.
        if (await job.isDelayed()) await job.promote().catch(() => {});
        return undefined;
      }),
    );
    await enqueueDeliveries(
      queue,
      missing.filter((id): id is string => id !== undefined),
    );
  }
}
