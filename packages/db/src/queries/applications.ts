// Tenants.

import { newId } from "@hookline/core";
import { desc, eq, or } from "drizzle-orm";
import type { Executor } from "../client.js";
import { isUniqueViolation } from "../errors.js";
import { applications } from "../schema/index.js";
import { afterCursor, type PageRequest, toPage } from "./pagination.js";

export type Application = typeof applications.$inferSelect;

export type CreateApplicationResult =
  | { kind: "created"; application: Application }
  | { kind: "uid-taken"; uid: string };

export async function createApplication(
  db: Executor,
  input: { name: string; uid?: string | undefined },
): Promise<CreateApplicationResult> {
  try {
    const [application] = await db
      .insert(applications)
      .values({ id: newId("application"), name: input.name, uid: input.uid ?? null })
      .returning();
    return { kind: "created", application: application as Application };
  } catch (error) {
    if (input.uid && isUniqueViolation(error)) return { kind: "uid-taken", uid: input.uid };
    throw error;
  }
}

/** Finds an application by its id or by the uid its creator chose. */
export async function findApplication(db: Executor, idOrUid: string): Promise<Application | undefined> {
  const [application] = await db
    .select()
    .from(applications)
    .where(or(eq(applications.id, idOrUid), eq(applications.uid, idOrUid)))
    .limit(1);
  return application;
}

export async function listApplications(db: Executor, page: PageRequest) {
  const rows = await db
    .select()
    .from(applications)
    .where(afterCursor(applications.id, page))
    .orderBy(desc(applications.id))
    .limit(page.limit + 1);
  return toPage(rows, page);
}
