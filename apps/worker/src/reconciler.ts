// The safety net under the queue: Postgres is the truth, so every pending delivery that is overdue
// gets (re)enqueued. Jobs that still exist are left alone (job id = delivery id), so this only
// restores what Redis lost (a flush, a restart without persistence, a crash between commit and
// enqueue). It walks the overdue deliveries a page per pass and starts over at the end, so a backlog
// of deliveries deferred by the endpoint gate (overdue in Postgres, their jobs waiting in Redis)
// cannot keep it from ever reaching one that lost its job. Each pass also re-offers the large
// fan-outs whose deliveries are still to be written, past the same grace.
import {
  type Database,
  type OverdueCursor,
  overdueDeliveriesAfter,
  pendingFanOutsBefore,
} from "@hookline/db";
import { type DeliveryQueue, enqueueBatched, enqueueDeliveries } from "@hookline/queue";
import type { Logger } from "pino";
import { type PeriodicTask, startPeriodicTask } from "./periodic-task.js";

export type ReconcilerOptions = { intervalMs: number; graceMs: number; batchSize?: number };

export type Reconciler = PeriodicTask;

export function startReconciler(
  deps: { db: Database; queue: DeliveryQueue; logger: Logger },
  options: ReconcilerOptions,
): Reconciler {
  const batchSize = options.batchSize ?? 1_000;
  let cursor: OverdueCursor | null = null;

  /** One pass: enqueues up to one batch of overdue deliveries, and of pending fan-outs. A larger
   * backlog continues on the next tick, once the jobs added now are being processed. */
  async function runOnce(): Promise<number> {
    const before = new Date(Date.now() - options.graceMs);
    const fanOuts = await pendingFanOutsBefore(deps.db, before, batchSize);
    await enqueueBatched(deps.queue, [], fanOuts);
    const due = await overdueDeliveriesAfter(deps.db, before, cursor, batchSize);
    await enqueueDeliveries(
      deps.queue,
      due.map((row) => row.id),
    );
    // A full page: the next pass goes on after it. A short one: the walk is over, start again.
    const last = due.at(-1);
    cursor = due.length === batchSize && last ? { nextAttemptAt: last.nextAttemptAt, id: last.id } : null;
    // Most of these usually still have their job (deferred or waiting), so this is no news by itself.
    if (due.length + fanOuts.length > 0)
      deps.logger.debug(
        { count: due.length, fanOuts: fanOuts.length },
        "reconciler re-offered overdue deliveries and pending fan-outs",
      );
    return due.length + fanOuts.length;
  }

  return startPeriodicTask("reconciler pass", runOnce, {
    intervalMs: options.intervalMs,
    logger: deps.logger,
  });
}
