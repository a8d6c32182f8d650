// One Hookline for one chaos scenario, run the way operators run it: the API and the worker as
// separate processes against a fresh database (on the shared Postgres, or the scenario's own
// cluster) and the chaos run's own Redis, with the chaos receiver as a third process.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { freePort, type Service, startService, tsxService } from "./processes.js";

export type StackOptions = {
  /** Admin URL of the Postgres server to create the scenario's database on. */
  postgresUrl: string;
  redisUrl: string;
  /** Environment for the API and worker on top of the chaos defaults. */
  env?: Record<string, string>;
};

export type Stack = {
  apiUrl: string;
  adminKey: string;
  receiverUrl: string;
  /** The scenario's database, for the ledger. */
  db: pg.Pool;
  worker(): Service;
  api(): Service;
  startWorker(): Promise<Service>;
  startApi(): Promise<Service>;
  /** Calls the API as the admin. */
  // biome-ignore lint/suspicious/noExplicitAny: the suite reads API answers loosely; the API validates them
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** How the receiver answers at `path`: ok (after `delayMs`), flaky (`failRatio` of requests get
   * a 500 or no answer), or hang (no answer at all). */
  setMode(
    path: string,
    mode: "ok" | "flaky" | "hang",
    options?: { failRatio?: number; delayMs?: number },
  ): Promise<void>;
  receiverStats(path: string): Promise<ReceiverStats>;
  stop(): Promise<void>;
};

export type ReceiverStats = {
  acknowledged: Record<string, number>;
  received: Record<string, number>;
  latencies: Array<[number, number]>;
  /** Most requests at this path at once that had not been answered. */
  maxOpen: number;
};

/** What every chaos stack runs with: fast retries, a quick reconciler and quick crash recovery, so a
 * scenario drains in seconds; the suite measures correctness under faults, not the defaults. */
export const CHAOS_ENV: Record<string, string> = {
  NODE_ENV: "test",
  HOOKLINE_ALLOWED_DESTINATIONS: "127.0.0.0/8",
  HOOKLINE_RETRY_SCHEDULE: "200ms,500ms,1s,2s,3s,5s,5s,5s,5s,5s",
  HOOKLINE_RECONCILE_INTERVAL: "1s",
  HOOKLINE_RECONCILE_GRACE: "2s",
  HOOKLINE_JOB_LOCK_DURATION: "4s",
  HOOKLINE_REQUEST_TIMEOUT: "2s",
  HOOKLINE_CONNECT_TIMEOUT: "1s",
  HOOKLINE_SHUTDOWN_TIMEOUT: "10s",
  HOOKLINE_WORKER_CONCURRENCY: "40",
  HOOKLINE_INGEST_RATE_LIMIT: "0",
  LOG_LEVEL: "info",
};

export async function startStack(options: StackOptions): Promise<Stack> {
  const database = `hl_chaos_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
  const databaseUrl = new URL(options.postgresUrl);
  databaseUrl.pathname = `/${database}`;
  const adminKey = `hl_admin_chaos_${randomBytes(24).toString("hex")}`;
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...CHAOS_ENV,
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: options.redisUrl,
    PORT: String(port),
    HOOKLINE_ADMIN_KEY: adminKey,
    HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    HOOKLINE_QUEUE_PREFIX: `hl-chaos-${randomBytes(4).toString("hex")}`,
    ...options.env,
  };
  const started: Service[] = [];
  const receiver = await startService({
    name: "receiver",
    command: process.execPath,
    args: ["--import", "tsx", "chaos/receiver/main.ts"],
    readyLine: (line) => line.includes('"ready":true'),
  });
  started.push(receiver);
  const receiverPort = JSON.parse(receiver.output.find((line) => line.includes('"ready"')) ?? "{}").port;
  const receiverUrl = `http://127.0.0.1:${receiverPort}`;

  const startApi = () =>
    tsxService("api", "apps/api/src/main.ts", env, {
      probe: async () => (await fetch(`${apiUrl}/readyz`)).ok,
      timeoutMs: 90_000,
    });
  const startWorker = () =>
    tsxService("worker", "apps/worker/src/main.ts", env, {
      readyLine: (line) => line.includes('"msg":"worker started"'),
      timeoutMs: 90_000,
    });

  let api: Service;
  let worker: Service;
  try {
    // The API migrates the new database first; the worker then finds it ready.
    api = await startApi();
    started.push(api);
    worker = await startWorker();
    started.push(worker);
  } catch (error) {
    await Promise.all(started.map((service) => service.kill()));
    await dropDatabase(options.postgresUrl, database);
    throw error;
  }
  const db = new pg.Pool({
    connectionString: databaseUrl.toString(),
    max: 3,
    connectionTimeoutMillis: 3_000,
  });
  db.on("error", () => {});

  const stack: Stack = {
    apiUrl,
    adminKey,
    receiverUrl,
    db,
    worker: () => worker,
    api: () => api,
    async startWorker() {
      worker = await startWorker();
      started.push(worker);
      return worker;
    },
    async startApi() {
      api = await startApi();
      started.push(api);
      return api;
    },
    async call(method, path, body) {
      const response = await fetch(apiUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${adminKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async setMode(path, mode, modeOptions = {}) {
      await fetch(`${receiverUrl}/__control/mode`, {
        method: "POST",
        body: JSON.stringify({ path, mode, ...modeOptions }),
      });
    },
    async receiverStats(path) {
      const response = await fetch(`${receiverUrl}/__control/stats?path=${encodeURIComponent(path)}`);
      return (await response.json()) as ReceiverStats;
    },
    async stop() {
      await db.end().catch(() => {});
      await Promise.all(started.map((service) => service.terminate(15_000)));
      await dropDatabase(options.postgresUrl, database);
    },
  };
  return stack;
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
  } catch {
    // A cluster of the scenario's own is removed whole; on the shared one a leftover is harmless.
  } finally {
    await admin.end().catch(() => {});
  }
}
