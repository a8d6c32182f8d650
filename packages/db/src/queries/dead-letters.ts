// The dead-letter table: deliveries that exhausted their retries, and their replay.
import { and, desc, eq, gte, inArray, isNull, lte, type SQL } from "drizzle-orm";
import type { Database, Executor } from "../client.js";
import { deadLetters, deliveries } from "../schema/index.js";
import { afterCursor, type PageRequest, toPage } from "./pagination.js";

export type DeadLetter = typeof deadLetters.$inferSelect;

export type DeadLetterFilter = {
  applicationId?: string | undefined;
  endpointId?: string | undefined;
  eventType?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
};

function openMatching(filter: DeadLetterFilter): (SQL | undefined)[] {
  return [
    isNull(deadLetters.replayedAt),
    filter.applicationId ? eq(deadLetters.applicationId, filter.applicationId) : undefined,
    filter.endpointId ? eq(deadLetters.endpointId, filter.endpointId) : undefined,
    filter.eventType ? eq(deadLetters.eventType, filter.eventType) : undefined,
    filter.since ? gte(deadLetters.createdAt, filter.since) : undefined,
    filter.until ? lte(deadLetters.createdAt, filter.until) : undefined,
  ];
}

/** Open (not yet replayed) dead letters, newest first. */
export async function listDeadLetters(db: Executor, filter: DeadLetterFilter, page: PageRequest) {
  const rows = await db
    .select()
    .from(deadLetters)
    .where(and(...openMatching(filter), afterCursor(deadLetters.id, page)))
    .orderBy(desc(deadLetters.id))
    .limit(page.limit + 1);
  return toPage(rows, page);
}

export async function findDeadLetter(db: Executor, id: string) {
  const [row] = await db.select().from(deadLetters).where(eq(deadLetters.id, id)).limit(1);
  return row;
}

export type ReplayResult =
  | { kind: "replayed"; deliveryId: string }
  | { kind: "not-found" }
  | { kind: "already-replayed"; replayedAt: Date };

export async function replayDeadLetter(db: Database, id: string): Promise<ReplayResult> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(deadLetters).where(eq(deadLetters.id, id)).for("update").limit(1);
    if (!row) return { kind: "not-found" };
    if (row.replayedAt) return { kind: "already-replayed", replayedAt: row.replayedAt };
    await reopen(tx, [row.id], [row.deliveryId]);
    return { kind: "replayed", deliveryId: row.deliveryId };
  });
}

/** Replays every open dead letter matching the filter; with `dryRun` only counts them. */
export async function replayDeadLetters(
  db: Database,
  filter: DeadLetterFilter,
  options: { dryRun: boolean },
): Promise<{ count: number; deliveryIds: string[] }> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: deadLetters.id, deliveryId: deadLetters.deliveryId })
      .from(deadLetters)
      .where(and(...openMatching(filter)))
      .for("update", { skipLocked: true });
    if (options.dryRun || rows.length === 0) return { count: rows.length, deliveryIds: [] };
    const deliveryIds = rows.map((row) => row.deliveryId);
    await reopen(
      tx,
      rows.map((row) => row.id),
      deliveryIds,
    );
    return { count: rows.length, deliveryIds };
  });
}

async function reopen(db: Executor, deadLetterIds: string[], deliveryIds: string[]) {
  const now = new Date();
  await db
    .update(deadLetters)
    .set({ replayedAt: now, updatedAt: now })
    .where(inArray(deadLetters.id, deadLetterIds));
  await db
    .update(deliveries)
    .set({ status: "pending", roundAttempts: 0, nextAttemptAt: now, updatedAt: now })
    .where(inArray(deliveries.id, deliveryIds));
}
