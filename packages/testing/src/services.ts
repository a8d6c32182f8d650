// Where the test suite finds Postgres and Redis (the local services by default).
import { randomBytes } from "node:crypto";

export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
/** Test databases older than this are leftovers of an interrupted run. */
export const STALE_AFTER_SECONDS = 3 * 3600;

export function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `<prefix>_<unix seconds>_<random>`: unique, and old ones can be recognised. */
export function testDatabaseName(prefix: string): string {
  return `${prefix}_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
}
