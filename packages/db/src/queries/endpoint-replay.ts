// Re-enabling an endpoint with `replayMissed`: what it missed while disabled is delivered after all.
// That is every event ingested since it was disabled that its filter wants (a new delivery each,
// with the event's own webhook-id), and the dead letters it collected because it was disabled.
import { newId, smallestIdAt } from "@hookline/core";
import { and, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "../client.js";
import { deliveries, endpoints } from "../schema/index.js";
import { type Endpoint, type EndpointInput, updateEndpoint } from "./endpoints.js";

/** Events sent to one endpoint by its test route are not "missed" by the others. */
const TEST_EVENT_TYPE = "webhook.test";
const INSERT_CHUNK = 5_000;
/** Event ids and `created_at` come from different clocks (API host, Postgres): widen the id bound. */
const CLOCK_SKEW_MS = 60_000;
const CONCURRENT_INGEST_WAIT_MS = 5_000;

export type ReenableResult = {
  endpoint: Endpoint;
  /** Deliveries to enqueue: created for missed events, or reopened dead letters. */
  replayedDeliveryIds: string[];
};

/**
 * Applies `patch` to an endpoint; when it re-enables a disabled endpoint, also replays what the
 * endpoint missed. Undefined when the endpoint is not the application's.
 */
export async function updateEndpointReplayingMissed(
  db: Database,
  applicationId: string,
  id: string,
  patch: Partial<EndpointInput>,
): Promise<ReenableResult | undefined> {
  const first = await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ disabled: endpoints.disabled, disabledAt: endpoints.disabledAt })
      .from(endpoints)
      .where(and(eq(endpoints.applicationId, applicationId), eq(endpoints.id, id)))
      .for("update");
    if (!before) return undefined;
    const endpoint = await updateEndpoint(tx, applicationId, id, patch);
    if (!endpoint) return undefined;
    const missedSince = before.disabled && !endpoint.disabled ? before.disabledAt : null;
    if (!missedSince) return { endpoint, missedSince, replayed: [] };
    const created = await createMissedDeliveries(tx, endpoint, missedSince);
    const reopened = await reopenDisabledDeadLetters(tx, endpoint.id, missedSince);
    return { endpoint, missedSince, replayed: [...created, ...reopened] };
  });
  if (!first) return undefined;
  if (!first.missedSince) return { endpoint: first.endpoint, replayedDeliveryIds: [] };

  // An ingest that read the endpoint as disabled just before the commit above, and commits just
  // after it, made no delivery for it and was invisible to the pass above: wait for those, then look
  // again (the NOT EXISTS keeps the second pass from doubling anything).
  await waitForTransactionsInProgress(db);
  const late = await createMissedDeliveries(db, first.endpoint, first.missedSince);
  return { endpoint: first.endpoint, replayedDeliveryIds: [...first.replayed, ...late] };
}

/** Creates a delivery to `endpoint` for each event since `since` that it wants and has none. */
export async function createMissedDeliveries(
  db: Executor,
  endpoint: Pick<Endpoint, "id" | "applicationId" | "eventTypes">,
  since: Date,
): Promise<string[]> {
  const missed = await db.execute<{ id: string; event_type: string }>(sql`
    select e.id, e.event_type from events e
    where e.application_id = ${endpoint.applicationId}
      and e.id >= ${smallestIdAt("event", new Date(since.getTime() - CLOCK_SKEW_MS))}
      and e.created_at >= ${since.toISOString()}::timestamptz
      and e.event_type <> ${TEST_EVENT_TYPE}
      and (cardinality(${sql.param(endpoint.eventTypes)}::text[]) = 0
           or e.event_type = any(${sql.param(endpoint.eventTypes)}::text[]))
      and not exists (select 1 from deliveries d where d.event_id = e.id and d.endpoint_id = ${endpoint.id})
    order by e.id`);
  const now = new Date();
  const ids: string[] = [];
  for (let start = 0; start < missed.rows.length; start += INSERT_CHUNK) {
    const rows = missed.rows.slice(start, start + INSERT_CHUNK).map((event) => ({
      id: newId("delivery"),
      applicationId: endpoint.applicationId,
      eventId: event.id,
      endpointId: endpoint.id,
      eventType: event.event_type,
      nextAttemptAt: now,
    }));
    await db.insert(deliveries).values(rows);
    ids.push(...rows.map((row) => row.id));
  }
  return ids;
}

/** Reopens the endpoint's dead letters made because it was disabled (since `since`). */
async function reopenDisabledDeadLetters(db: Executor, endpointId: string, since: Date): Promise<string[]> {
  const reopened = await db.execute<{ delivery_id: string }>(sql`
    with reopened as (
      update dead_letters set replayed_at = now(), updated_at = now()
      where endpoint_id = ${endpointId} and replayed_at is null
        and created_at >= ${since.toISOString()}::timestamptz
        and reason like 'endpoint disabled:%'
      returning delivery_id
    )
    update deliveries d set status = 'pending', round_attempts = 0, next_attempt_at = now(), updated_at = now()
    from reopened where d.id = reopened.delivery_id
    returning d.id as delivery_id`);
  return reopened.rows.map((row) => row.delivery_id);
}

/** Waits (bounded) until every write transaction in progress in this database right now has ended. */
async function waitForTransactionsInProgress(db: Database): Promise<void> {
  const running = await db.execute<{ xid: string }>(sql`
    select backend_xid::text as xid from pg_stat_activity
    where datname = current_database() and backend_xid is not null and pid <> pg_backend_pid()`);
  const xids = running.rows.map((row) => row.xid);
  if (xids.length === 0) return;
  const deadline = Date.now() + CONCURRENT_INGEST_WAIT_MS;
  while (Date.now() < deadline) {
    const still = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from pg_stat_activity
      where backend_xid::text = any(${sql.param(xids)}::text[])`);
    if ((still.rows[0]?.n ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
