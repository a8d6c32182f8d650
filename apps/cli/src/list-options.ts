// The options every list command shares: --limit, --cursor, --all.
import { collect, type Page } from "@hookline/sdk";
import type { Command } from "commander";
import { positiveInteger } from "./arguments.js";

export interface ListOptions {
  limit: number;
  cursor?: string;
  all?: boolean;
}

export function withListOptions(command: Command): Command {
  return command
    .option("--limit <n>", "items per page (1–250)", positiveInteger, 20)
    .option("--cursor <cursor>", "start after this cursor (from a previous page)")
    .option("--all", "fetch every page");
}

/** One page, or with --all every page as one (then nextCursor is null). */
export async function fetchList<T>(
  options: ListOptions,
  page: (query: { limit: number; cursor?: string }) => Promise<Page<T>>,
  every: (query: { limit: number }) => AsyncIterable<T>,
): Promise<Page<T>> {
  if (options.all) return { data: await collect(every({ limit: options.limit })), nextCursor: null };
  return page({ limit: options.limit, ...(options.cursor ? { cursor: options.cursor } : {}) });
}
