// Runs once before the suite: a fresh, migrated template database for this run, which every test
// file clones (CREATE DATABASE … TEMPLATE is far faster than migrating per file). Names carry
// their creation time, so runs in parallel leave each other alone and only old leftovers of
// interrupted runs are swept.
import { migrateDatabase } from "@hookline/db";
import type { TestProject } from "vitest/node";
import { withAdmin } from "./admin-connection.js";
import { databaseUrl, STALE_AFTER_SECONDS, testDatabaseName } from "./services.js";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  await sweepLeftovers();
  const template = testDatabaseName("hl_tpl");
  await migrateDatabase(databaseUrl(template));
  project.provide("templateDatabase", template);
  return async () => {
    await withAdmin((admin) => admin.query(`drop database if exists ${template} with (force)`));
  };
}

async function sweepLeftovers() {
  await withAdmin(async (admin) => {
    const rows = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname ~ '^hl_(tpl|test)_[0-9]+_'",
    );
    const now = Math.floor(Date.now() / 1000);
    for (const { datname } of rows.rows) {
      const created = Number(datname.split("_")[2]);
      if (now - created > STALE_AFTER_SECONDS) {
        await admin.query(`drop database if exists "${datname}" with (force)`);
      }
    }
  });
}
