// Runs once before the suite: a fresh, migrated template database that every test file clones
// (CREATE DATABASE … TEMPLATE is far faster than migrating per file).
import { migrateDatabase } from "@hookline/db";
import pg from "pg";
import { databaseUrl, TEMPLATE_DATABASE, TEST_PG_URL } from "./services.js";

export default async function setup() {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
    // Clones left behind by an interrupted run.
    const stale = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like 'hl_test_%' and not datistemplate",
    );
    for (const { datname } of stale.rows)
      await admin.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await admin.end();
  }
  await migrateDatabase(databaseUrl(TEMPLATE_DATABASE));
}
