// The delivery queue: one BullMQ job per delivery, job id = delivery id, so enqueuing the same
// delivery twice is a no-op and the reconciler can re-add what Redis lost without duplicating. Beside
// them, write-deliveries jobs: events of a large fan-out whose deliveries the worker writes first.
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

export const DELIVERY_QUEUE_NAME = "deliveries";
export const DELIVERY_JOB_NAME = "deliver";

/** What a delivery job carries: only the id (Postgres has the rest) — and, on the first delivery of
 * a fan-out (an event's, a group commit's, a batch's), the ids of the others, which the worker enqueues
 * when it takes the job. */
export const deliveryJobSchema = z.object({
  deliveryId: z.string().min(1),
  fanOut: z.array(z.string().min(1)).optional(),
});
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

export const WRITE_DELIVERIES_JOB_NAME = "write-deliveries";

/** An event whose deliveries ingest announced but left to the worker to write (then enqueue). */
export const writeDeliveriesJobSchema = z.object({ eventId: z.string().min(1) });
export type WriteDeliveriesJob = z.infer<typeof writeDeliveriesJobSchema>;

export type QueueJob = DeliveryJob | WriteDeliveriesJob;

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

const deliveryJob = (deliveryId: string, fanOut?: string[]): JobSpec => ({
  name: DELIVERY_JOB_NAME,
  data: fanOut ? { deliveryId, fanOut } : { deliveryId },
  opts: { ...DELIVERY_JOB_OPTIONS, jobId: deliveryId },
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

/** Enqueues what ingest or a replay accepted, in one Redis call: each fan-out given (the deliveries
 * of one event, of one group of events, of one batch) as one job, its first delivery's, carrying the
 * others, which the worker enqueues when it takes it — the caller's cost is one job whatever the
 * number; and a write-deliveries job for each event whose deliveries the worker is to write. Lost
 * with Redis, all of it is in Postgres, where the reconciler finds it. */
export async function enqueueFanOuts(
  queue: DeliveryQueue,
  fanOuts: readonly (readonly string[])[],
  unwrittenEventIds: readonly string[] = [],
): Promise<void> {
  const jobs = fanOuts.flatMap(([first, ...rest]) =>
    first === undefined ? [] : [deliveryJob(first, rest.length > 0 ? rest : undefined)],
  );
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
