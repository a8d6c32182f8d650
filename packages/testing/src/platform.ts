// Starts a real Hookline (API on port 0 + worker) on a fresh database and queue prefix, for one
// test file. Everything is real: Postgres, Redis, BullMQ, HTTP.
import { randomBytes } from "node:crypto";
import { type RunningApi, startApi } from "@hookline/api";
import {
  type Config,
  createGuardedLookup,
  createLogger,
  type DestinationStream,
  loadConfig,
  type Resolver,
} from "@hookline/core";
import { createApiKey, createDatabase, type Database } from "@hookline/db";
import { type RunningWorker, startWorker } from "@hookline/worker";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "./services.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";

// biome-ignore lint/suspicious/noExplicitAny: tests read API answers loosely; the API validates them
export type ApiResponse<T = any> = { status: number; body: T; headers: Headers };

export type Platform = {
  url: string;
  config: Config;
  db: Database;
  adminKey: string;
  worker: RunningWorker | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  call<T = any>(
    method: string,
    path: string,
    options?: {
      key?: string | undefined;
      body?: unknown;
      headers?: Record<string, string>;
      rawBody?: string;
    },
  ): Promise<ApiResponse<T>>;
  /** An application with a partner key and a producer key bound to it. */
  createTenant(name?: string): Promise<{ appId: string; partnerKey: string; producerKey: string }>;
  startWorker(): Promise<RunningWorker>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
};

export type PlatformOptions = {
  /** Extra environment for loadConfig (e.g. HOOKLINE_RETRY_SCHEDULE). */
  env?: Record<string, string>;
  /** Start the worker too (default true). */
  worker?: boolean;
  /** DNS for the SSRF guard, in the API (registration) and the worker (connect time). */
  resolver?: Resolver;
  /** Where the platform's logs go (default stdout); set LOG_LEVEL in `env` to get any. */
  logDestination?: DestinationStream;
};

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const database: TestDatabase = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    HOOKLINE_QUEUE_PREFIX: `hl-test-${randomBytes(4).toString("hex")}`,
    HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    HOOKLINE_ALLOWED_DESTINATIONS: "127.0.0.0/8",
    HOOKLINE_RECONCILE_INTERVAL: "1s",
    HOOKLINE_RECONCILE_GRACE: "1s",
    HOOKLINE_WORKER_CONCURRENCY: "20",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...options.env,
  });
  const logger = createLogger({ level: config.logLevel, name: "test", destination: options.logDestination });
  const policy = { allow: config.allowedDestinations, httpsOnly: config.httpsOnly };
  const lookup = options.resolver ? createGuardedLookup(policy, options.resolver) : undefined;
  const db = createDatabase({ url: config.databaseUrl, maxConnections: 10 });
  const { key: adminKey } = await createApiKey(db, { role: "admin", name: "test admin" });
  const api: RunningApi = await startApi(
    { config, db, logger, resolver: options.resolver },
    { port: 0, validateResponses: true },
  );
  let worker: RunningWorker | undefined;

  const platform: Platform = {
    url: api.url,
    config,
    db,
    adminKey,
    get worker() {
      return worker;
    },
    async call(method, path, callOptions = {}) {
      const key = callOptions.key === undefined ? adminKey : callOptions.key;
      const hasJson = callOptions.body !== undefined;
      const response = await fetch(api.url + path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(hasJson || callOptions.rawBody !== undefined ? { "content-type": "application/json" } : {}),
          ...callOptions.headers,
        },
        body: callOptions.rawBody ?? (hasJson ? JSON.stringify(callOptions.body) : undefined),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {}
      return { status: response.status, body: body as never, headers: response.headers };
    },
    async createTenant(name = "tenant") {
      const app = await platform.call("POST", "/v1/applications", { body: { name } });
      if (app.status !== 201) throw new Error(`could not create application: ${JSON.stringify(app.body)}`);
      const appId = app.body.id as string;
      const partner = await platform.call("POST", "/v1/keys", {
        body: { role: "partner", applicationId: appId },
      });
      const producer = await platform.call("POST", "/v1/keys", {
        body: { role: "producer", applicationId: appId },
      });
      return { appId, partnerKey: partner.body.key, producerKey: producer.body.key };
    },
    async startWorker() {
      worker ??= await startWorker({ config, db, logger, lookup });
      return worker;
    },
    async stopWorker() {
      await worker?.close();
      worker = undefined;
    },
    async close() {
      await platform.stopWorker();
      await api.close();
      await db.$client.end();
      await deleteQueueKeys(config.queuePrefix);
      await database.drop();
    },
  };
  if (options.worker ?? true) await platform.startWorker();
  return platform;
}

async function deleteQueueKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
