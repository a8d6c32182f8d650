// What the worker does with each job it takes from the queue:
// - write-deliveries: write the deliveries of a large fan-out that ingest left to the worker, then
//   queue them as ingest would have (a crash between the two leaves them pending and overdue, for
//   the reconciler);
// - deliver-batch: attempt each delivery it carries, side by side; one that needs a later try goes on
//   as its own delayed job;
// - deliver: attempt one delivery; a later try is the same job, delayed.
// Either way a delivery is attempted by one job at a time in this process (deliveries-in-flight.ts).
import { type Database, writePendingFanOuts } from "@hookline/db";
import {
  DELIVERY_BATCH_JOB_NAME,
  type DeliveryQueue,
  deliveryBatchJobSchema,
  deliveryJobSchema,
  enqueueBatched,
  enqueueDelivery,
  type QueueJob,
  WRITE_DELIVERIES_JOB_NAME,
  writeDeliveriesJobSchema,
} from "@hookline/queue";
import { DelayedError, type Job } from "bullmq";
import { type DeliverDeps, deliver } from "./deliver.js";
import { createDeliveriesInFlight } from "./deliveries-in-flight.js";
import type { DeliverySlots } from "./delivery-slots.js";

export type JobProcessorDeps = {
  db: Database;
  queue: DeliveryQueue;
  slots: DeliverySlots;
  deliverDeps: DeliverDeps;
};

export function createJobProcessor({ db, queue, slots, deliverDeps }: JobProcessorDeps) {
  const inFlight = createDeliveriesInFlight();

  /** Attempts every delivery of a batch. The job completes once each is recorded (or has its own
   * job for its next try); if any could not be, it fails after the others finished, and its retry
   * skips what this run already attempted. */
  async function deliverBatch(deliveryIds: readonly string[]): Promise<void> {
    const settled = await Promise.allSettled(
      deliveryIds.map(async (deliveryId) => {
        const outcome = await inFlight.runUnlessBusy(deliveryId, () =>
          slots.run(() => deliver(deliveryId, deliverDeps, { onlyUnattempted: true })),
        );
        // Undefined: the delivery's own job is attempting it, and takes care of what follows.
        if (outcome?.kind === "delay" || outcome?.kind === "defer")
          await enqueueDelivery(queue, deliveryId, outcome.at);
      }),
    );
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
  }

  return async (job: Job<QueueJob>, token?: string): Promise<void> => {
    if (job.name === WRITE_DELIVERIES_JOB_NAME) {
      const { eventId } = writeDeliveriesJobSchema.parse(job.data);
      await enqueueBatched(queue, await writePendingFanOuts(db, [eventId]));
      return;
    }
    if (job.name === DELIVERY_BATCH_JOB_NAME) {
      await deliverBatch(deliveryBatchJobSchema.parse(job.data).deliveryIds);
      return;
    }
    const { deliveryId } = deliveryJobSchema.parse(job.data);
    const outcome = await inFlight.runAfterOthers(deliveryId, () =>
      slots.run(() => deliver(deliveryId, deliverDeps)),
    );
    if (outcome.kind === "delay" || outcome.kind === "defer") {
      // Same job, same id, later: the delivery keeps its place and its webhook-id. A deferral frees
      // this worker slot for deliveries to other endpoints.
      await job.moveToDelayed(outcome.at.getTime(), token);
      throw new DelayedError();
    }
  };
}
