// Ingest and the event log. Events and their deliveries (or, for a large fan-out, the endpoints the
// worker is to write deliveries for) are written by one statement, so an accepted event always has
// its deliveries, and a group of events is accepted whole or not at all.

import { newId } from "@hookline/core";
import { and, asc, desc, eq, gte, lte, type SQL } from "drizzle-orm";
import type { Database, Executor } from "../client.js";
import { deliveries, events } from "../schema/index.js";
import { deliveryIdSql } from "./delivery-id.js";
import { afterCursor, type PageRequest, toPage } from "./pagination.js";

export type Event = typeof events.$inferSelect;
export type Delivery = typeof deliveries.$inferSelect;

export type IngestInput = {
  applicationId: string;
  eventType: string;
  /** The payload as JSON text: callers serialise it once, to measure it against the size limit. */
  payloadJson: string;
  idempotencyKey?: string | undefined;
  /** Deliver to this endpoint only, whatever its filter (the endpoint test route). */
  onlyEndpointId?: string | undefined;
};

export type IngestResult = {
  kind: "created" | "duplicate";
  event: Pick<Event, "id" | "eventType" | "createdAt">;
  deliveries: Pick<Delivery, "id" | "endpointId">[];
  /** False while the worker has yet to write the deliveries listed (a fan-out over
   * FAN_OUT_WRITTEN_AT_INGEST_MAX): the event needs a write-deliveries job instead of delivery jobs. */
  deliveriesWritten: boolean;
};

/** Ingest writes the deliveries of an event going to at most this many endpoints; beyond it, it
 * records the matched endpoints and the worker writes the deliveries (`writePendingFanOuts`), so an
 * event to 100 endpoints costs the API about what an event to one does. */
export const FAN_OUT_WRITTEN_AT_INGEST_MAX = 4;

// One statement for any number of events, of any applications: one round trip and one commit, atomic
// without BEGIN/COMMIT. The inputs come as parallel arrays (a statement binds at most 65,535
// parameters; arrays have no such limit) and are inserted in input order, which is their stream
// order. Each event's matching endpoints are read once: up to $7 of them get their deliveries here
// (foreign keys are checked at the end of the statement, when the events exist), more are recorded in
// pending_fan_outs for the worker. Either way the answer lists every delivery, by its id. An
// idempotency-key conflict, with an earlier event or one earlier in the same statement, inserts
// nothing and returns no row for that input.
const INGEST_EVENTS_SQL = `
with input as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
    with ordinality as i(id, application_id, event_type, payload, idempotency_key, only_endpoint_id, n)
), targets as (
  select input.id, array_agg(e.id order by e.id) as endpoint_ids
  from input join endpoints e on e.application_id = input.application_id
  where case when input.only_endpoint_id is null
          then not e.disabled and (cardinality(e.event_types) = 0 or input.event_type = any(e.event_types))
          else e.id = input.only_endpoint_id end
  group by input.id
), ev as (
  insert into events (id, application_id, event_type, payload, idempotency_key)
  select id, application_id, event_type, payload::jsonb, idempotency_key from input order by n
  on conflict (application_id, idempotency_key) where idempotency_key is not null do nothing
  returning id, application_id, event_type, created_at
), written as (
  insert into deliveries (id, application_id, event_id, endpoint_id, event_type, next_attempt_at)
  select ${deliveryIdSql("ev.id", "endpoint_id")}, ev.application_id, ev.id, endpoint_id, ev.event_type, ev.created_at
  from ev join targets t on t.id = ev.id cross join unnest(t.endpoint_ids) as endpoint_id
  where cardinality(t.endpoint_ids) <= $7
), pending as (
  insert into pending_fan_outs (event_id, endpoint_ids)
  select ev.id, t.endpoint_ids from ev join targets t on t.id = ev.id
  where cardinality(t.endpoint_ids) > $7
)
select ev.id, ev.event_type, ev.created_at,
       coalesce(cardinality(t.endpoint_ids) <= $7, true) as deliveries_written,
       coalesce((select json_agg(json_build_object('id', ${deliveryIdSql("ev.id", "endpoint_id")}, 'endpointId', endpoint_id))
                 from unnest(t.endpoint_ids) as endpoint_id), '[]'::json) as deliveries
from ev left join targets t on t.id = ev.id`;

type IngestRow = {
  id: string;
  event_type: string;
  created_at: Date;
  deliveries_written: boolean;
  deliveries: Pick<Delivery, "id" | "endpointId">[];
};

/**
 * Records events, each with a delivery per matching endpoint, in one statement: all or none. An
 * idempotency key seen before (or earlier in `inputs`) answers with the first event and its
 * deliveries. Results come back in input order.
 */
export async function ingestEvents(db: Database, inputs: readonly IngestInput[]): Promise<IngestResult[]> {
  if (inputs.length === 0) return [];
  const ids = inputs.map(() => newId("event"));
  const { rows } = await db.$client.query<IngestRow>({
    // Named: each connection parses and plans it once.
    name: "hookline.ingest-events",
    text: INGEST_EVENTS_SQL,
    values: [
      ids,
      inputs.map((input) => input.applicationId),
      inputs.map((input) => input.eventType),
      inputs.map((input) => input.payloadJson),
      inputs.map((input) => input.idempotencyKey ?? null),
      inputs.map((input) => input.onlyEndpointId ?? null),
      FAN_OUT_WRITTEN_AT_INGEST_MAX,
    ],
  });
  const created = new Map(rows.map((row) => [row.id, row]));
  const repeated = inputs.filter((_, index) => !created.has(ids[index] as string));
  const firsts = repeated.length > 0 ? await firstEventsFor(db, repeated) : new Map<string, IngestResult>();
  return inputs.map((input, index): IngestResult => {
    const row = created.get(ids[index] as string);
    if (row) {
      return {
        kind: "created",
        event: { id: row.id, eventType: row.event_type, createdAt: row.created_at },
        deliveries: row.deliveries,
        deliveriesWritten: row.deliveries_written,
      };
    }
    const first = firsts.get(idempotencyRef(input.applicationId, input.idempotencyKey as string));
    if (!first) throw new Error("idempotency conflict without a visible first event");
    return first;
  });
}

export async function ingestEvent(db: Database, input: IngestInput): Promise<IngestResult> {
  const [result] = await ingestEvents(db, [input]);
  if (!result) throw new Error("ingest returned no result");
  return result;
}

const idempotencyRef = (applicationId: string, key: string) => `${applicationId}\u0000${key}`;

type FirstEventRow = IngestRow & { application_id: string; idempotency_key: string };

/** The first events behind repeated idempotency keys, with their deliveries (written, or still to be
 * written by the worker), by application and key. */
async function firstEventsFor(
  db: Database,
  inputs: readonly IngestInput[],
): Promise<Map<string, IngestResult>> {
  const { rows } = await db.$client.query<FirstEventRow>({
    name: "hookline.first-events",
    text: `
      select e.id, e.application_id, e.idempotency_key, e.event_type, e.created_at,
             p.event_id is null as deliveries_written,
             coalesce((select json_agg(json_build_object('id', d.id, 'endpointId', d.endpoint_id) order by d.endpoint_id)
                       from (select id, endpoint_id from deliveries where event_id = e.id
                             union all
                             select ${deliveryIdSql("e.id", "endpoint_id")}, endpoint_id
                             from unnest(p.endpoint_ids) as endpoint_id) d), '[]'::json) as deliveries
      from events e
      join unnest($1::text[], $2::text[]) as k(application_id, idempotency_key)
        on e.application_id = k.application_id and e.idempotency_key = k.idempotency_key
      left join pending_fan_outs p on p.event_id = e.id`,
    values: [inputs.map((input) => input.applicationId), inputs.map((input) => input.idempotencyKey)],
  });
  return new Map(
    rows.map((row) => [
      idempotencyRef(row.application_id, row.idempotency_key),
      {
        kind: "duplicate",
        event: { id: row.id, eventType: row.event_type, createdAt: row.created_at },
        deliveries: row.deliveries,
        deliveriesWritten: row.deliveries_written,
      },
    ]),
  );
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
