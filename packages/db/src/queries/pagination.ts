// Cursor pagination over time-sortable ids: newest first, `cursor` is the last id of the page before.
import { type Column, lt, type SQL } from "drizzle-orm";

export type Page<T> = { data: T[]; nextCursor: string | null };
export type PageRequest = { limit: number; cursor?: string | undefined };

/** The condition that starts a page after `cursor`. */
export function afterCursor(id: Column, request: PageRequest): SQL | undefined {
  return request.cursor ? lt(id, request.cursor) : undefined;
}

/** Rows were fetched with `limit + 1`; the extra row only says whether there is a next page. */
export function toPage<T extends { id: string }>(rows: T[], request: PageRequest): Page<T> {
  const data = rows.slice(0, request.limit);
  const last = data.at(-1);
  return { data, nextCursor: rows.length > request.limit && last ? last.id : null };
}
