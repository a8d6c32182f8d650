// The Postgres connection: one pg Pool wrapped by drizzle, created once per process.

import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type { PgTransaction } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "./schema/index.js";

export type Schema = typeof schema;
export type Database = NodePgDatabase<Schema> & { $client: pg.Pool };
export type Transaction = PgTransaction<NodePgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either a database handle or an open transaction: query functions take whichever they are given. */
export type Executor = Database | Transaction;

export type DatabaseOptions = { url: string; maxConnections?: number; applicationName?: string };

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 20,
    application_name: options.applicationName ?? "hookline",
    // Fail fast while Postgres is down instead of queueing requests behind a dead pool.
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener that kills
  // the process. The next checkout reconnects.
  pool.on("error", () => {});
  return drizzle(pool, { schema });
}
