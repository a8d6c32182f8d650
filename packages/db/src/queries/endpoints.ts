// Endpoints and their signing secrets (sealed at rest by a SecretBox).

import { generateSecret, newId, type SecretBox } from "@hookline/core";
import { and, desc, eq, sql } from "drizzle-orm";
import type { Executor } from "../client.js";
import { endpoints } from "../schema/index.js";
import { afterCursor, type PageRequest, toPage } from "./pagination.js";

export type Endpoint = typeof endpoints.$inferSelect;

export type EndpointInput = {
  url: string;
  description?: string | undefined;
  eventTypes?: string[] | undefined;
  disabled?: boolean | undefined;
  headers?: Record<string, string> | undefined;
  retryScheduleMs?: number[] | null | undefined;
  headerStyle?: "standard" | "svix" | undefined;
};

export async function createEndpoint(
  db: Executor,
  box: SecretBox,
  applicationId: string,
  input: EndpointInput & { secret?: string | undefined },
): Promise<Endpoint> {
  const [endpoint] = await db
    .insert(endpoints)
    .values({
      id: newId("endpoint"),
      applicationId,
      url: input.url,
      description: input.description ?? "",
      eventTypes: input.eventTypes ?? [],
      disabled: input.disabled ?? false,
      disabledReason: input.disabled ? "disabled by a user" : null,
      disabledAt: input.disabled ? new Date() : null,
      headers: input.headers ?? {},
      retryScheduleMs: input.retryScheduleMs ?? null,
      headerStyle: input.headerStyle ?? "standard",
      secret: box.seal(input.secret ?? generateSecret()),
    })
    .returning();
  return endpoint as Endpoint;
}

export async function findEndpoint(db: Executor, applicationId: string, id: string) {
  const [endpoint] = await db
    .select()
    .from(endpoints)
    .where(and(eq(endpoints.applicationId, applicationId), eq(endpoints.id, id)))
    .limit(1);
  return endpoint;
}

export async function findEndpointById(db: Executor, id: string): Promise<Endpoint | undefined> {
  const [endpoint] = await db.select().from(endpoints).where(eq(endpoints.id, id)).limit(1);
  return endpoint;
}

export async function listEndpoints(db: Executor, applicationId: string, page: PageRequest) {
  const rows = await db
    .select()
    .from(endpoints)
    .where(and(eq(endpoints.applicationId, applicationId), afterCursor(endpoints.id, page)))
    .orderBy(desc(endpoints.id))
    .limit(page.limit + 1);
  return toPage(rows, page);
}

export async function updateEndpoint(
  db: Executor,
  applicationId: string,
  id: string,
  patch: Partial<EndpointInput>,
): Promise<Endpoint | undefined> {
  const disabledChange =
    patch.disabled === undefined
      ? {}
      : patch.disabled
        ? { disabled: true, disabledReason: "disabled by a user", disabledAt: new Date() }
        : { disabled: false, disabledReason: null, disabledAt: null, failingSince: null };
  const [endpoint] = await db
    .update(endpoints)
    .set({
      ...definedOnly({
        url: patch.url,
        description: patch.description,
        eventTypes: patch.eventTypes,
        headers: patch.headers,
        retryScheduleMs: patch.retryScheduleMs,
        headerStyle: patch.headerStyle,
      }),
      ...disabledChange,
      updatedAt: new Date(),
    })
    .where(and(eq(endpoints.applicationId, applicationId), eq(endpoints.id, id)))
    .returning();
  return endpoint;
}

export async function deleteEndpoint(db: Executor, applicationId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(endpoints)
    .where(and(eq(endpoints.applicationId, applicationId), eq(endpoints.id, id)))
    .returning({ id: endpoints.id });
  return deleted.length > 0;
}

/** Replaces the secret; the old one keeps signing for `graceMs` so receivers can switch over. */
export async function rotateEndpointSecret(
  db: Executor,
  box: SecretBox,
  applicationId: string,
  id: string,
  options: { graceMs: number; newSecret?: string | undefined },
): Promise<Endpoint | undefined> {
  const [endpoint] = await db
    .update(endpoints)
    .set({
      previousSecret: sql`${endpoints.secret}`,
      previousSecretExpiresAt: new Date(Date.now() + options.graceMs),
      secret: box.seal(options.newSecret ?? generateSecret()),
      updatedAt: new Date(),
    })
    .where(and(eq(endpoints.applicationId, applicationId), eq(endpoints.id, id)))
    .returning();
  return endpoint;
}

/** The secrets an attempt is signed with right now: the current one, and the previous one while
 * its grace period lasts. */
export function signingSecrets(endpoint: Endpoint, box: SecretBox, now: Date = new Date()): string[] {
  const secrets = [box.open(endpoint.secret)];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(box.open(endpoint.previousSecret));
  }
  return secrets;
}

/** Enabled endpoints of an application that want this event type. */
export async function matchingEndpoints(db: Executor, applicationId: string, eventType: string) {
  return db
    .select({ id: endpoints.id })
    .from(endpoints)
    .where(
      and(
        eq(endpoints.applicationId, applicationId),
        eq(endpoints.disabled, false),
        sql`(cardinality(${endpoints.eventTypes}) = 0 or ${eventType} = any(${endpoints.eventTypes}))`,
      ),
    );
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
