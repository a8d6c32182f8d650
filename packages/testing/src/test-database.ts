// A database of its own for one test file, cloned from the migrated template.
import pg from "pg";
import { inject } from "vitest";
import { databaseUrl, TEST_PG_URL, testDatabaseName } from "./services.js";

export type TestDatabase = { name: string; url: string; drop(): Promise<void> };

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = testDatabaseName("hl_test");
  const template = inject("templateDatabase");
  await withAdmin(async (admin) => {
    for (let tries = 0; ; tries++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        return;
      } catch (error) {
        // Two clones of one template at the same instant: the second one waits its turn.
        if ((error as { code?: string }).code !== "55006" || tries > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  });
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withAdmin((admin) => admin.query(`drop database if exists ${name} with (force)`).then(() => {})),
  };
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
