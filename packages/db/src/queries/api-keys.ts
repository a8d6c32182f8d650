// API keys: stored as hashes, looked up by hash.

import { generateApiKey, hashApiKey, keyHint, newId, type Role } from "@hookline/core";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Executor } from "../client.js";
import { apiKeys } from "../schema/index.js";
import { afterCursor, type PageRequest, toPage } from "./pagination.js";

export type ApiKey = typeof apiKeys.$inferSelect;

/** Creates a key; the returned `key` text exists nowhere else afterwards. */
export async function createApiKey(
  db: Executor,
  input: { role: Role; applicationId?: string | null | undefined; name?: string | undefined; key?: string },
): Promise<{ key: string; record: ApiKey }> {
  const key = input.key ?? generateApiKey(input.role);
  const [record] = await db
    .insert(apiKeys)
    .values({
      id: newId("apiKey"),
      role: input.role,
      applicationId: input.applicationId ?? null,
      keyHash: hashApiKey(key),
      hint: keyHint(key),
      name: input.name ?? null,
    })
    .returning();
  return { key, record: record as ApiKey };
}

export async function findActiveKeyByHash(db: Executor, keyHash: string): Promise<ApiKey | undefined> {
  const [record] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return record;
}

export async function revokeApiKey(db: Executor, id: string): Promise<ApiKey | undefined> {
  const [record] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  return record;
}

export async function listApiKeys(db: Executor, page: PageRequest) {
  const rows = await db
    .select()
    .from(apiKeys)
    .where(afterCursor(apiKeys.id, page))
    .orderBy(desc(apiKeys.id))
    .limit(page.limit + 1);
  return toPage(rows, page);
}

/** Makes sure the configured bootstrap admin key works (idempotent across restarts). */
export async function ensureAdminKey(db: Executor, key: string): Promise<void> {
  const existing = await findActiveKeyByHash(db, hashApiKey(key));
  if (!existing) await createApiKey(db, { role: "admin", key, name: "bootstrap" });
}

export async function hasAdminKey(db: Executor): Promise<boolean> {
  const [row] = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.role, "admin"), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row !== undefined;
}
