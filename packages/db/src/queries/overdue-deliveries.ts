// The reconciler's walk over overdue deliveries, a page at a time in (next_attempt_at, id) order.
// Deliveries a worker deferred (their endpoint at capacity, or behind an open circuit) keep their
// old next_attempt_at, as no attempt is recorded: they look overdue although their job is waiting in
// Redis. Walking on from a cursor, instead of always reading the first page, keeps a large backlog of
// them from hiding a delivery that really lost its job.
import { sql } from "drizzle-orm";
import type { Executor } from "../client.js";

/** Where the last page ended; the time is Postgres' own text (microseconds, which a Date would cut). */
export type OverdueCursor = { nextAttemptAt: string; id: string };

/** Pending deliveries due before `before`, after `cursor` (from the start when null). */
export async function overdueDeliveriesAfter(
  db: Executor,
  before: Date,
  cursor: OverdueCursor | null,
  limit: number,
): Promise<{ id: string; nextAttemptAt: string }[]> {
  const after = cursor
    ? sql`and (next_attempt_at, id) > (${cursor.nextAttemptAt}::timestamptz, ${cursor.id})`
    : sql``;
  const rows = await db.execute<{ id: string; next_attempt_at: string }>(sql`
    select id, next_attempt_at::text as next_attempt_at from deliveries
    where status = 'pending' and next_attempt_at <= ${before.toISOString()}::timestamptz ${after}
    order by next_attempt_at, id
    limit ${limit}`);
  return rows.rows.map((row) => ({ id: row.id, nextAttemptAt: row.next_attempt_at }));
}
