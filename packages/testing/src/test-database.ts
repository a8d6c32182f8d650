// A database of its own for one test file, cloned from the migrated template.
import { inject } from "vitest";
import { withAdmin } from "./admin-connection.js";
import { databaseUrl, testDatabaseName } from "./services.js";

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
