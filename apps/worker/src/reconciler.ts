// The safety net under the queue: Postgres is the truth, so every pending delivery that is overdue
// gets (re)enqueued. Jobs that still exist are left alone (job id = delivery id), so this only
// restores what Redis lost (a flush, a restart without persistence, a crash between commit and
// enqueue). It walks the overdue deliveries a page per pass and starts over at the end, so a backlog
// of deliveries deferred by the endpoint gate (overdue in Postgres, their jobs waiting in Redis)
// cannot keep it from ever reaching one that lost its job.
import { type Database, type OverdueCursor, overdueDeliveriesAfter } from "@hookline/db";
import { type DeliveryQueue, enqueueDeliveries } from "@hookline/queue";
import type { Logger } from "pino";

export type ReconcilerOptions = { intervalMs: number; graceMs: number; batchSize?: number };

export type Reconciler = { runOnce(): Promise<number>; stop(): Promise<void> };

export function startReconciler(
  deps: { db: Database; queue: DeliveryQueue; logger: Logger },
  options: ReconcilerOptions,
): Reconciler {
  const batchSize = options.batchSize ?? 1_000;
  let running: Promise<number> | undefined;
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
    if (due.length > 0) deps.logger.info({ count: due.length }, "reconciler enqueued overdue deliveries");
    return due.length;
  }

  const tick = () => {
    if (running) return;
    running = runOnce()
      .catch((error: unknown) => {
        deps.logger.warn({ err: error }, "reconciler pass failed; will retry");
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
