// A short-lived connection to the `postgres` database, for creating and dropping test databases.
import pg from "pg";
import { TEST_PG_URL } from "./services.js";

export async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
