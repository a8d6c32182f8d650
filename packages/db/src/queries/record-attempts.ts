// The worker's write path: a batch of finished attempts lands at once (attempt rows, delivery
// status, endpoint health in one statement; dead letters and disabled endpoints in the same
// transaction when the batch has any), so the hot path commits once per batch, not once per attempt.

import { newId } from "@hookline/core";
import { sql } from "drizzle-orm";
import type { Database, Transaction } from "../client.js";

export type AttemptNext =
  | { kind: "done" }
  | { kind: "retry"; at: Date }
  | { kind: "dead"; reason: string; disableEndpoint?: string | undefined };

export type AttemptRecord = {
  deliveryId: string;
  endpointId: string;
  applicationId: string;
  eventId: string;
  eventType: string;
  attemptNumber: number;
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  errorClass: string | null;
  errorMessage: string | null;
  next: AttemptNext;
};

/** What a batch changed besides attempt rows and delivery statuses. */
export type RecordedOutcome = {
  /** Records whose delivery this batch moved to the dead-letter table. */
  deadLettered: AttemptRecord[];
  /** Endpoints this batch disabled (410 Gone). */
  disabledEndpoints: { endpointId: string; applicationId: string; reason: string }[];
};

export type RecordHooks = {
  /** Runs inside the batch's transaction once its effects are known: what it writes (operational
   * events) commits, or rolls back, with them. Only batches that can have such effects (a record
   * whose next step is dead) take a transaction; the others commit in one statement. */
  inTransaction?: (tx: Transaction, outcome: RecordedOutcome) => Promise<void>;
};

export async function recordAttempts(
  db: Database,
  records: readonly AttemptRecord[],
  hooks: RecordHooks = {},
): Promise<RecordedOutcome> {
  if (records.length === 0) return { deadLettered: [], disabledEndpoints: [] };
  // The common batch (successes and retries): one statement, atomic by itself, one round trip.
  if (!records.some((record) => record.next.kind === "dead")) {
    await db.execute(attemptsAndStatuses(records));
    return { deadLettered: [], disabledEndpoints: [] };
  }
  return db.transaction(async (tx) => {
    const moved = await tx.execute<{ id: string }>(attemptsAndStatuses(records));
    const movedIds = new Set(moved.rows.map((row) => row.id));
    const dead = records.filter((r) => r.next.kind === "dead" && movedIds.has(r.deliveryId));
    if (dead.length > 0) {
      await tx.execute(sql`
        insert into dead_letters (id, delivery_id, application_id, endpoint_id, event_id, event_type, reason)
        select * from unnest(
          ${array(dead.map(() => newId("deadLetter")))}::text[],
          ${array(dead.map((r) => r.deliveryId))}::text[],
          ${array(dead.map((r) => r.applicationId))}::text[],
          ${array(dead.map((r) => r.endpointId))}::text[],
          ${array(dead.map((r) => r.eventId))}::text[],
          ${array(dead.map((r) => r.eventType))}::text[],
          ${array(dead.map((r) => (r.next.kind === "dead" ? r.next.reason : "")))}::text[]
        )
        on conflict (delivery_id) where replayed_at is null do nothing`);
    }

    const gone = records.flatMap((r) =>
      r.next.kind === "dead" && r.next.disableEndpoint
        ? [[r.endpointId, r.next.disableEndpoint] as const]
        : [],
    );
    let disabledEndpoints: RecordedOutcome["disabledEndpoints"] = [];
    if (gone.length > 0) {
      const disabled = await tx.execute<{ id: string; application_id: string; disabled_reason: string }>(sql`
        update endpoints e set disabled = true, disabled_reason = v.reason, disabled_at = now(), updated_at = now()
        from unnest(${array(gone.map(([id]) => id))}::text[], ${array(gone.map(([, reason]) => reason))}::text[]) as v(id, reason)
        where e.id = v.id and not e.disabled
        returning e.id, e.application_id, e.disabled_reason`);
      disabledEndpoints = disabled.rows.map((row) => ({
        endpointId: row.id,
        applicationId: row.application_id,
        reason: row.disabled_reason,
      }));
    }
    const outcome: RecordedOutcome = { deadLettered: dead, disabledEndpoints };
    await hooks.inTransaction?.(tx, outcome);
    return outcome;
  });
}

/**
 * One statement for what every batch writes: the attempt rows, the deliveries' new status (only
 * pending deliveries move: a late duplicate attempt must not undo a success), and the endpoints'
 * health. Every column travels as one array parameter, so the statement is the same whatever the
 * batch size. Returns the ids of the deliveries it moved.
 */
function attemptsAndStatuses(records: readonly AttemptRecord[]) {
  const health = endpointHealth(records);
  return sql`
    with v as (
      select * from unnest(
        ${array(records.map(() => newId("attempt")))}::text[],
        ${array(records.map((r) => r.deliveryId))}::text[],
        ${array(records.map((r) => r.attemptNumber))}::int[],
        ${array(records.map((r) => r.attemptedAt.toISOString()))}::timestamptz[],
        ${array(records.map((r) => r.durationMs))}::int[],
        ${array(records.map((r) => r.statusCode))}::int[],
        ${array(records.map((r) => r.responseBody))}::text[],
        ${array(records.map((r) => r.errorClass))}::text[],
        ${array(records.map((r) => r.errorMessage))}::text[],
        ${array(records.map((r) => statusAfter(r.next)))}::text[],
        ${array(records.map((r) => (r.next.kind === "retry" ? r.next.at.toISOString() : null)))}::timestamptz[],
        ${array(records.map((r) => lastError(r)))}::text[]
      ) as v(attempt_id, delivery_id, attempt_number, attempted_at, duration_ms, status_code, response_body,
             error_class, error_message, status, next_at, error)
    ), inserted as (
      insert into attempts (id, delivery_id, attempt_number, attempted_at, duration_ms, status_code,
                            response_body, error_class, error_message)
      select attempt_id, delivery_id, attempt_number, attempted_at, duration_ms, status_code, response_body,
             error_class, error_message
      from v
    ), moved as (
      update deliveries d set
        status = v.status::delivery_status,
        attempt_count = d.attempt_count + 1,
        round_attempts = d.round_attempts + 1,
        next_attempt_at = v.next_at,
        last_attempt_at = v.attempted_at,
        last_status_code = v.status_code,
        last_error = v.error,
        updated_at = now()
      from v
      where d.id = v.delivery_id and d.status = 'pending'
      returning d.id
    ), health as (
      update endpoints e set
        failing_since = case when h.recovered then h.failing_since else coalesce(e.failing_since, h.failing_since) end
      from unnest(
        ${array(health.map((h) => h.endpointId))}::text[],
        ${array(health.map((h) => h.recovered))}::boolean[],
        ${array(health.map((h) => h.failingSince?.toISOString() ?? null))}::timestamptz[]
      ) as h(id, recovered, failing_since)
      where e.id = h.id
        and e.failing_since is distinct from
          (case when h.recovered then h.failing_since else coalesce(e.failing_since, h.failing_since) end)
    )
    select id from moved`;
}

/** Binds a JS array as one Postgres array parameter (drizzle would otherwise spread it). */
function array(values: readonly unknown[]) {
  return sql.param(values);
}

function statusAfter(next: AttemptNext): "pending" | "succeeded" | "failed" {
  return next.kind === "done" ? "succeeded" : next.kind === "retry" ? "pending" : "failed";
}

function lastError(record: AttemptRecord): string | null {
  if (record.next.kind === "done") return null;
  if (record.errorClass && record.errorClass !== "http")
    return `${record.errorClass}: ${record.errorMessage ?? ""}`;
  return `HTTP ${record.statusCode}`;
}

/** Per endpoint, what this batch says about its health: recovered (a success, with failures
 * after it starting a new failing run) or still failing since its first failure here. */
function endpointHealth(records: readonly AttemptRecord[]) {
  const byEndpoint = new Map<string, { recovered: boolean; failingSince: Date | null }>();
  const ordered = [...records].sort((a, b) => a.attemptedAt.getTime() - b.attemptedAt.getTime());
  for (const record of ordered) {
    const state = byEndpoint.get(record.endpointId) ?? { recovered: false, failingSince: null };
    if (record.next.kind === "done") {
      state.recovered = true;
      state.failingSince = null;
    } else if (state.failingSince === null) {
      state.failingSince = record.attemptedAt;
    }
    byEndpoint.set(record.endpointId, state);
  }
  return [...byEndpoint].map(([endpointId, state]) => ({ endpointId, ...state }));
}
