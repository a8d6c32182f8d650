// Test support, not part of the public API: connections to the local Postgres and Redis, stores
// isolated per test file run (random table name and key prefix), and an HTTP server on port 0.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { Redis } from "ioredis";
import pg from "pg";
import { MemoryStore } from "./stores/memory-store.js";
import { PostgresStore } from "./stores/postgres-store.js";
import { RedisStore } from "./stores/redis-store.js";
import type { IdempotencyStore } from "./stores/store.js";

export const POSTGRES_URL = "postgres://root@127.0.0.1:5432/test";
export const REDIS_URL = "redis://127.0.0.1:6379";

export function randomSuffix(): string {
  return randomBytes(6).toString("hex");
}

/** A store of one kind plus what deletes everything it wrote. */
export interface StoreFixture {
  store: IdempotencyStore;
  cleanup(): Promise<void>;
}

export type StoreKind = "memory" | "postgres" | "redis";

export const STORE_KINDS: readonly StoreKind[] = ["memory", "postgres", "redis"];

export async function createStoreFixture(kind: StoreKind): Promise<StoreFixture> {
  switch (kind) {
    case "memory":
      return { store: new MemoryStore(), cleanup: async () => undefined };
    case "postgres": {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 20 });
      const store = new PostgresStore({ pool, tableName: `receiver_test_${randomSuffix()}` });
      await store.init();
      return {
        store,
        cleanup: async () => {
          await pool.query(`DROP TABLE IF EXISTS "${store.tableName}"`);
          await pool.end();
        },
      };
    }
    case "redis": {
      const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      const store = new RedisStore({ client, prefix: `receiver-test:${randomSuffix()}:` });
      return {
        store,
        cleanup: async () => {
          await deleteKeys(client, `${store.prefix}*`);
          await client.quit();
        },
      };
    }
  }
}

async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: Express): Promise<RunningServer> {
  const server: Server = await new Promise((resolve) => {
    const started = app.listen(0, "127.0.0.1", () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Polls until `check` passes or `timeoutMs` runs out; background work has no event to await. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
