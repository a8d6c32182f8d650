// Ingest and the event log. An event and its deliveries are written in one transaction, so an
// accepted event always has its deliveries.

import { newId } from "@hookline/core";
import { and, asc, desc, eq, gte, lte, type SQL } from "drizzle-orm";
import type { Database, Executor } from "../client.js";
import { deliveries, events } from "../schema/index.js";
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
