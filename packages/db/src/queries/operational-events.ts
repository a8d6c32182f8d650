// Operational events (`endpoint.disabled`, `delivery.exhausted`, `endpoint.recovered`) ride the same
// durable pipeline as partners' events: they are events of a system application, `hookline-operations`,
// whose endpoint is the operator's webhook URL. So they are signed, retried, dead-lettered and never
// lost, and they can be written in the same transaction as the fact they report.
import { newId, type SecretBox } from "@hookline/core";
import { and, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "../client.js";
import { applications, deliveries, endpoints, events } from "../schema/index.js";
import { createEndpoint, matchingEndpoints } from "./endpoints.js";

export const OPERATIONS_APPLICATION_UID = "hookline-operations";
/** Marks the endpoint that HOOKLINE_OPERATOR_WEBHOOK_URL manages (operators may add others). */
export const OPERATOR_ENDPOINT_DESCRIPTION = "Operator webhook (HOOKLINE_OPERATOR_WEBHOOK_URL)";

export type OperationalEventType = "endpoint.disabled" | "delivery.exhausted" | "endpoint.recovered";

export type OperationalEvent = { type: OperationalEventType; data: Record<string, unknown> };

export type OperatorEndpoint = { applicationId: string; endpointId: string; disabled: boolean };

/**
 * Makes sure the operations application exists with an endpoint at `url`, signing with `secret`
 * when one is configured (else the one generated on first start is kept). Safe to run from many
 * workers starting at once.
 */
export async function ensureOperatorEndpoint(
  db: Database,
  box: SecretBox,
  target: { url: string; secret?: string | undefined },
): Promise<OperatorEndpoint> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${OPERATIONS_APPLICATION_UID}))`);
    await tx
      .insert(applications)
      .values({ id: newId("application"), name: "Hookline operations", uid: OPERATIONS_APPLICATION_UID })
      .onConflictDoNothing();
    const [application] = await tx
      .select({ id: applications.id })
      .from(applications)
      .where(eq(applications.uid, OPERATIONS_APPLICATION_UID));
    if (!application) throw new Error("the operations application could not be created");

    const [existing] = await tx
      .select()
      .from(endpoints)
      .where(
        and(
          eq(endpoints.applicationId, application.id),
          eq(endpoints.description, OPERATOR_ENDPOINT_DESCRIPTION),
        ),
      )
      .limit(1);
    if (!existing) {
      const created = await createEndpoint(tx, box, application.id, {
        url: target.url,
        description: OPERATOR_ENDPOINT_DESCRIPTION,
        secret: target.secret,
      });
      return { applicationId: application.id, endpointId: created.id, disabled: false };
    }
    const secretChanged = target.secret !== undefined && box.open(existing.secret) !== target.secret;
    if (existing.url !== target.url || secretChanged) {
      await tx
        .update(endpoints)
        .set({
          url: target.url,
          ...(secretChanged && target.secret ? { secret: box.seal(target.secret) } : {}),
          updatedAt: new Date(),
        })
        .where(eq(endpoints.id, existing.id));
    }
    return { applicationId: application.id, endpointId: existing.id, disabled: existing.disabled };
  });
}

/**
 * Adds operational events to the operations application, with a delivery to each of its enabled
 * endpoints that wants the type, inside the caller's transaction. Returns the deliveries to enqueue
 * once that transaction has committed.
 */
export async function insertOperationalEvents(
  db: Executor,
  operationsApplicationId: string,
  items: readonly OperationalEvent[],
): Promise<string[]> {
  if (items.length === 0) return [];
  const inserted = await db
    .insert(events)
    .values(
      items.map((item) => ({
        id: newId("event"),
        applicationId: operationsApplicationId,
        eventType: item.type,
        payload: item.data,
      })),
    )
    .returning({ id: events.id, eventType: events.eventType, createdAt: events.createdAt });

  const targetsByType = new Map<string, { id: string }[]>();
  for (const type of new Set(inserted.map((event) => event.eventType))) {
    targetsByType.set(type, await matchingEndpoints(db, operationsApplicationId, type));
  }
  const rows = inserted.flatMap((event) =>
    (targetsByType.get(event.eventType) ?? []).map((endpoint) => ({
      id: newId("delivery"),
      applicationId: operationsApplicationId,
      eventId: event.id,
      endpointId: endpoint.id,
      eventType: event.eventType,
      nextAttemptAt: event.createdAt,
    })),
  );
  if (rows.length === 0) return [];
  const created = await db.insert(deliveries).values(rows).returning({ id: deliveries.id });
  return created.map((row) => row.id);
}
