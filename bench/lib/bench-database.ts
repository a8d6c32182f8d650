// The bench's own database, created fresh for a run (dropped first if a previous run left it) and
// dropped at the end. Migrated with Hookline's own migrations, plus one table for the Express
// baseline.
import { createApiKey, createDatabase, type Database, migrateDatabase } from "@hookline/db";
import pg from "pg";

export type BenchDatabase = { url: string; db: Database; adminKey: string; drop(): Promise<void> };

export async function createBenchDatabase(serverUrl: string, name: string): Promise<BenchDatabase> {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await dropDatabase(serverUrl, name);
  await migrateDatabase(url.toString());
  const db = createDatabase({ url: url.toString(), maxConnections: 4, applicationName: "hookline-bench" });
  await db.$client.query(
    "create table bench_rows (id bigserial primary key, payload jsonb not null, created_at timestamptz not null default now())",
  );
  const { key: adminKey } = await createApiKey(db, { role: "admin", name: "bench" });
  return {
    url: url.toString(),
    db,
    adminKey,
    async drop() {
      await db.$client.end();
      await dropDatabase(serverUrl, name);
    },
  };
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new URL(serverUrl);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}
