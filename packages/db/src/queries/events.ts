// Ingest and the event log. An event and its deliveries are written in one transaction, so an
// accepted event always has its deliveries.

import { endpointWants, newId } from "@hookline/core";
import { and, asc, desc, eq, gte, inArray, lte, type SQL, sql } from "drizzle-orm";
import type { Database, Executor } from "../client.js";
import { deliveries, endpoints, events } from "../schema/index.js";
import { matchingEndpoints } from "./endpoints.js";
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
  event: Event;
  deliveries: Pick<Delivery, "id" | "endpointId">[];
};

export async function ingestEvent(db: Database, input: IngestInput): Promise<IngestResult> {
  return db.transaction(async (tx) => {
    const [event] = await tx
      .insert(events)
      .values({
        id: newId("event"),
        applicationId: input.applicationId,
        eventType: input.eventType,
        payload: input.payload,
        idempotencyKey: input.idempotencyKey ?? null,
      })
      .onConflictDoNothing({ target: [events.applicationId, events.idempotencyKey] })
      .returning();
    if (!event) return firstEventFor(tx, input.applicationId, input.idempotencyKey as string);

    const targets = input.onlyEndpointId
      ? [{ id: input.onlyEndpointId }]
      : await matchingEndpoints(tx, input.applicationId, input.eventType);
    if (targets.length === 0) return { kind: "created", event, deliveries: [] };

    const created = await tx
      .insert(deliveries)
      .values(
        targets.map((endpoint) => ({
          id: newId("delivery"),
          applicationId: input.applicationId,
          eventId: event.id,
          endpointId: endpoint.id,
          eventType: input.eventType,
          nextAttemptAt: event.createdAt,
        })),
      )
      .returning({ id: deliveries.id, endpointId: deliveries.endpointId });
    return { kind: "created", event, deliveries: created };
  });
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
      .onConflictDoNothing({ target: [events.applicationId, events.idempotencyKey] })
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
