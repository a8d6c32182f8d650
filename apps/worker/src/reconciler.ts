// The safety net under the queue: Postgres is the truth, so every pending delivery that is overdue
// gets (re)enqueued. Jobs that still exist are left alone (job id = delivery id), so this only
// restores what Redis lost (a flush, a restart without persistence, a crash between commit and
// enqueue). It walks the overdue deliveries a page per pass and starts over at the end, so a backlog
// of deliveries deferred by the endpoint gate (overdue in Postgres, their jobs waiting in Redis)
// cannot keep it from ever reaching one that lost its job.
import { type Database, type OverdueCursor, overdueDeliveriesAfter } from "@hookline/db";
import { type DeliveryQueue, enqueueDeliveries } from "@hookline/queue";
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

  /** One pass: enqueues up to one batch of overdue deliveries. A larger backlog continues on the
   * next tick, once the jobs added now are being processed. */
  async function runOnce(): Promise<number> {
    const due = await overdueDeliveriesAfter(
      deps.db,
      new Date(Date.now() - options.graceMs),
      cursor,
      batchSize,
    );
    await enqueueDeliveries(
      deps.queue,
      due.map((row) => row.id),
    );
    // A full page: the next pass goes on after it. A short one: the walk is over, start again.
    const last = due.at(-1);
    cursor = due.length === batchSize && last ? { nextAttemptAt: last.nextAttemptAt, id: last.id } : null;
    // Most of these usually still have their job (deferred or waiting), so this is no news by itself.
    if (due.length > 0) deps.logger.debug({ count: due.length }, "reconciler re-offered overdue deliveries");
    return due.length;
  }

  return startPeriodicTask("reconciler pass", runOnce, {
    intervalMs: options.intervalMs,
    logger: deps.logger,
  });
}
