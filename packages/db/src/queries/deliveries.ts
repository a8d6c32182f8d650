// The delivery log and the reads the worker needs for one attempt.
import { and, asc, desc, eq, lte, type SQL, sql } from "drizzle-orm";
import type { Database, Executor } from "../client.js";
import { attempts, deadLetters, deliveries, events } from "../schema/index.js";
import { afterCursor, type PageRequest, toPage } from "./pagination.js";

export type Attempt = typeof attempts.$inferSelect;
export type DeliveryStatus = (typeof deliveries.$inferSelect)["status"];

export type DeliveryFilter = {
  status?: DeliveryStatus | undefined;
  endpointId?: string | undefined;
  eventType?: string | undefined;
  eventId?: string | undefined;
};

export async function listDeliveries(
  db: Executor,
  applicationId: string,
  filter: DeliveryFilter,
  page: PageRequest,
) {
  const conditions: (SQL | undefined)[] = [
    eq(deliveries.applicationId, applicationId),
    filter.status ? eq(deliveries.status, filter.status) : undefined,
    filter.endpointId ? eq(deliveries.endpointId, filter.endpointId) : undefined,
    filter.eventType ? eq(deliveries.eventType, filter.eventType) : undefined,
    filter.eventId ? eq(deliveries.eventId, filter.eventId) : undefined,
    afterCursor(deliveries.id, page),
  ];
  const rows = await db
    .select()
    .from(deliveries)
    .where(and(...conditions))
    .orderBy(desc(deliveries.id))
    .limit(page.limit + 1);
  return toPage(rows, page);
}

export async function findDelivery(db: Executor, applicationId: string, id: string) {
  const [delivery] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.applicationId, applicationId), eq(deliveries.id, id)))
    .limit(1);
  if (!delivery) return undefined;
  const history = await db
    .select()
    .from(attempts)
    .where(eq(attempts.deliveryId, id))
    .orderBy(asc(attempts.attemptNumber));
  return { delivery, attempts: history };
}

/** Everything one attempt needs besides the endpoint (which the worker caches). */
export async function loadDeliveryForAttempt(db: Executor, id: string) {
  const [row] = await db
    .select({
      id: deliveries.id,
      status: deliveries.status,
      endpointId: deliveries.endpointId,
      applicationId: deliveries.applicationId,
      attemptCount: deliveries.attemptCount,
      roundAttempts: deliveries.roundAttempts,
      nextAttemptAt: deliveries.nextAttemptAt,
      eventId: events.id,
      eventType: events.eventType,
      payload: events.payload,
      createdAt: events.createdAt,
    })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .where(eq(deliveries.id, id))
    .limit(1);
  return row;
}

export type DeliveryForAttempt = NonNullable<Awaited<ReturnType<typeof loadDeliveryForAttempt>>>;

// The worker's per-job read, for many jobs at once: one prepared statement, no query builder (the
// builder cost more CPU than the query on the delivery hot path).
const DELIVERIES_FOR_ATTEMPT_SQL = `
select d.id, d.status, d.endpoint_id, d.application_id, d.attempt_count, d.round_attempts,
       d.next_attempt_at, e.id as event_id, e.event_type, e.payload, e.created_at
from deliveries d join events e on e.id = d.event_id
where d.id = any($1::text[])`;

type DeliveryForAttemptRow = {
  id: string;
  status: DeliveryStatus;
  endpoint_id: string;
  application_id: string;
  attempt_count: number;
  round_attempts: number;
  next_attempt_at: Date | null;
  event_id: string;
  event_type: string;
  payload: unknown;
  created_at: Date;
};

/** What `loadDeliveryForAttempt` returns, for every id that exists (in no particular order). */
export async function loadDeliveriesForAttempt(
  db: Database,
  ids: readonly string[],
): Promise<DeliveryForAttempt[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.$client.query<DeliveryForAttemptRow>({
    name: "hookline.deliveries-for-attempt",
    text: DELIVERIES_FOR_ATTEMPT_SQL,
    values: [ids],
  });
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    endpointId: row.endpoint_id,
    applicationId: row.application_id,
    attemptCount: row.attempt_count,
    roundAttempts: row.round_attempts,
    nextAttemptAt: row.next_attempt_at,
    eventId: row.event_id,
    eventType: row.event_type,
    payload: row.payload,
    createdAt: row.created_at,
  }));
}

/**
 * Puts a delivery back to pending for an immediate try with a fresh retry schedule, closing its
 * open dead letter if it has one. Returns undefined when the delivery is not the application's.
 */
export async function restartDelivery(db: Database, applicationId: string, id: string) {
  return db.transaction(async (tx) => {
    const [delivery] = await tx
      .update(deliveries)
      .set({ status: "pending", roundAttempts: 0, nextAttemptAt: new Date(), updatedAt: new Date() })
      .where(and(eq(deliveries.applicationId, applicationId), eq(deliveries.id, id)))
      .returning();
    if (delivery) {
      await tx
        .update(deadLetters)
        .set({ replayedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(deadLetters.deliveryId, id), sql`${deadLetters.replayedAt} is null`));
    }
    return delivery;
  });
}

/** Pending deliveries whose next attempt is due since before `before`: the reconciler's input. */
export async function overdueDeliveries(db: Executor, before: Date, limit: number) {
  return db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, before)))
    .orderBy(asc(deliveries.nextAttemptAt))
    .limit(limit);
}
