// Ingest and the event log. An event and its deliveries are written atomically (one statement, or
// one transaction for a batch), so an accepted event always has its deliveries.

import { endpointWants, newId } from "@hookline/core";
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from "drizzle-orm";
import type { Database, Executor } from "../client.js";
import { deliveries, endpoints, events } from "../schema/index.js";
import { afterCursor, type PageRequest, toPage } from "./pagination.js";

export type Event = typeof events.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;

export type IngestInput = {
  applicationId: string;
  eventType: string;
  payload: unknown;
  idempotencyKey?: string | undefined;
  /** Deliver to this endpoint only, whatever its filter (the endpoint test route). */
  onlyEndpointId?: string | undefined;
};

export type IngestResult = {
  kind: "created" | "duplicate";
  event: Pick<Event, "id" | "eventType" | "createdAt">;
  deliveries: Pick<Delivery, "id" | "endpointId">[];
};

// One statement, so one round trip and atomic without BEGIN/COMMIT: the event, then a delivery per
// matching endpoint (foreign keys are checked at the end of the statement, when the event exists).
// Delivery ids are made here, in the id format: the event's time, then 64 bits of md5 over (event,
// endpoint) in upper-case hex, which is valid Crockford base32 — unique, and sortable by time like
// every id. An idempotency-key conflict inserts nothing and returns no row.
const INGEST_EVENT_SQL = `
with ev as (
  insert into events (id, application_id, event_type, payload, idempotency_key)
  values ($1, $2, $3, $4::jsonb, $5)
  on conflict (application_id, idempotency_key) where idempotency_key is not null do nothing
  returning id, event_type, created_at
), dl as (
  insert into deliveries (id, application_id, event_id, endpoint_id, event_type, next_attempt_at)
  select 'dlv_' || substr(ev.id, 5, 10) || upper(substr(md5(ev.id || e.id), 1, 16)),
         $2, ev.id, e.id, ev.event_type, ev.created_at
  from ev join endpoints e on e.application_id = $2
  where case when $6::text is null
          then not e.disabled and (cardinality(e.event_types) = 0 or ev.event_type = any(e.event_types))
          else e.id = $6 end
  returning id, endpoint_id
)
select ev.id, ev.event_type, ev.created_at,
       (select coalesce(json_agg(json_build_object('id', dl.id, 'endpointId', dl.endpoint_id)), '[]'::json)
        from dl) as deliveries
from ev`;

type IngestRow = {
  id: string;
  event_type: string;
  created_at: Date;
  deliveries: Pick<Delivery, "id" | "endpointId">[];
};

export async function ingestEvent(db: Database, input: IngestInput): Promise<IngestResult> {
  const { rows } = await db.$client.query<IngestRow>({
    // Named: each connection parses and plans it once.
    name: "hookline.ingest-event",
    text: INGEST_EVENT_SQL,
    values: [
      newId("event"),
      input.applicationId,
      input.eventType,
      JSON.stringify(input.payload),
      input.idempotencyKey ?? null,
      input.onlyEndpointId ?? null,
    ],
  });
  const [row] = rows;
  if (!row) return firstEventFor(db, input.applicationId, input.idempotencyKey as string);
  return {
    kind: "created",
    event: { id: row.id, eventType: row.event_type, createdAt: row.created_at },
    deliveries: row.deliveries,
  };
}

export type BatchEventInput = { eventType: string; payload: unknown; idempotencyKey?: string | undefined };

export type BatchIngestResult = {
  kind: "created" | "duplicate";
  event: Pick<Event, "id" | "eventType" | "createdAt">;
  deliveries: Pick<Delivery, "id" | "endpointId">[];
};

/**
 * Many events of one application in one transaction: one multi-row insert of the events, one read of
 * the application's endpoints (matched here, per event type), one insert of every delivery as
 * arrays. All are accepted or none. A repeated idempotency key answers with the first event, like
 * `ingestEvent`. Results come back in input order.
 */
export async function ingestEvents(
  db: Database,
  applicationId: string,
  inputs: readonly BatchEventInput[],
): Promise<BatchIngestResult[]> {
  if (inputs.length === 0) return [];
  return db.transaction(async (tx) => {
    const rows = inputs.map((input) => ({
      id: newId("event"),
      applicationId,
      eventType: input.eventType,
      payload: input.payload,
      idempotencyKey: input.idempotencyKey ?? null,
    }));
    const inserted = await tx
      .insert(events)
      .values(rows)
      .onConflictDoNothing({
        target: [events.applicationId, events.idempotencyKey],
        where: sql`${events.idempotencyKey} is not null`,
      })
      .returning({ id: events.id, eventType: events.eventType, createdAt: events.createdAt });
    const created = new Map(inserted.map((event) => [event.id, event]));

    const wanted = await tx
      .select({ id: endpoints.id, eventTypes: endpoints.eventTypes })
      .from(endpoints)
      .where(and(eq(endpoints.applicationId, applicationId), eq(endpoints.disabled, false)));
    const planned = new Map<string, Pick<Delivery, "id" | "endpointId">[]>();
    const columns = { id: [] as string[], eventId: [] as string[], endpointId: [] as string[] };
    const types: string[] = [];
    const due: string[] = [];
    for (const event of inserted) {
      const targets = wanted.filter((endpoint) => endpointWants(endpoint.eventTypes, event.eventType));
      const list = targets.map((endpoint) => ({ id: newId("delivery"), endpointId: endpoint.id }));
      planned.set(event.id, list);
      for (const delivery of list) {
        columns.id.push(delivery.id);
        columns.eventId.push(event.id);
        columns.endpointId.push(delivery.endpointId);
        types.push(event.eventType);
        due.push(event.createdAt.toISOString());
      }
    }
    if (columns.id.length > 0) {
      // Arrays, not one parameter per value: a batch can hold far more deliveries than the 65,535
      // parameters a statement may bind.
      await tx.execute(sql`
        insert into deliveries (id, application_id, event_id, endpoint_id, event_type, next_attempt_at)
        select v.id, ${applicationId}, v.event_id, v.endpoint_id, v.event_type, v.due
        from unnest(
          ${sql.param(columns.id)}::text[], ${sql.param(columns.eventId)}::text[],
          ${sql.param(columns.endpointId)}::text[], ${sql.param(types)}::text[], ${sql.param(due)}::timestamptz[]
        ) as v(id, event_id, endpoint_id, event_type, due)`);
    }

    const repeatedKeys = rows
      .filter((row) => !created.has(row.id))
      .map((row) => row.idempotencyKey as string);
    const firsts =
      repeatedKeys.length > 0 ? await firstEventsFor(tx, applicationId, repeatedKeys) : new Map();
    return rows.map((row): BatchIngestResult => {
      const event = created.get(row.id);
      if (event) return { kind: "created", event, deliveries: planned.get(row.id) ?? [] };
      const first = firsts.get(row.idempotencyKey as string);
      if (!first) throw new Error("idempotency conflict without a visible first event");
      return { kind: "duplicate", ...first };
    });
  });
}

/** The first events behind repeated idempotency keys, with their deliveries, by key. */
async function firstEventsFor(db: Executor, applicationId: string, keys: string[]) {
  const found = await db
    .select({
      id: events.id,
      eventType: events.eventType,
      createdAt: events.createdAt,
      idempotencyKey: events.idempotencyKey,
    })
    .from(events)
    .where(and(eq(events.applicationId, applicationId), inArray(events.idempotencyKey, keys)));
  const existing =
    found.length === 0
      ? []
      : await db
          .select({ id: deliveries.id, endpointId: deliveries.endpointId, eventId: deliveries.eventId })
          .from(deliveries)
          .where(
            inArray(
              deliveries.eventId,
              found.map((event) => event.id),
            ),
          );
  const byEvent = new Map<string, Pick<Delivery, "id" | "endpointId">[]>();
  for (const { id, endpointId, eventId } of existing) {
    byEvent.set(eventId, [...(byEvent.get(eventId) ?? []), { id, endpointId }]);
  }
  return new Map(
    found.map((event) => [
      event.idempotencyKey as string,
      {
        event: { id: event.id, eventType: event.eventType, createdAt: event.createdAt },
        deliveries: byEvent.get(event.id) ?? [],
      },
    ]),
  );
}

/** The event a repeated idempotency key refers to, with its deliveries. */
async function firstEventFor(
  db: Executor,
  applicationId: string,
  idempotencyKey: string,
): Promise<IngestResult> {
  const [event] = await db
    .select()
    .from(events)
    .where(and(eq(events.applicationId, applicationId), eq(events.idempotencyKey, idempotencyKey)))
    .limit(1);
  if (!event) throw new Error("idempotency conflict without a visible first event");
  const existing = await db
    .select({ id: deliveries.id, endpointId: deliveries.endpointId })
    .from(deliveries)
    .where(eq(deliveries.eventId, event.id));
  return { kind: "duplicate", event, deliveries: existing };
}

export async function findEvent(db: Executor, applicationId: string, id: string) {
  const [event] = await db
    .select()
    .from(events)
    .where(and(eq(events.applicationId, applicationId), eq(events.id, id)))
    .limit(1);
  if (!event) return undefined;
  const eventDeliveries = await db
    .select()
    .from(deliveries)
    .where(eq(deliveries.eventId, id))
    .orderBy(asc(deliveries.id));
  return { event, deliveries: eventDeliveries };
}

export type EventFilter = {
  eventType?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
};

export async function listEvents(
  db: Executor,
  applicationId: string,
  filter: EventFilter,
  page: PageRequest,
) {
  const conditions: (SQL | undefined)[] = [
    eq(events.applicationId, applicationId),
    filter.eventType ? eq(events.eventType, filter.eventType) : undefined,
    filter.since ? gte(events.createdAt, filter.since) : undefined,
    filter.until ? lte(events.createdAt, filter.until) : undefined,
    afterCursor(events.id, page),
  ];
  const rows = await db
    .select()
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.id))
    .limit(page.limit + 1);
  return toPage(rows, page);
}
