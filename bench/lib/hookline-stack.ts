// Hookline as a user runs it: the API and the worker as separate processes (`tsx
// apps/api/src/main.ts`, `tsx apps/worker/src/main.ts`) against the local Postgres and Redis, and
// the bench receiver as a third process standing in for partners' servers.
import { randomBytes } from "node:crypto";
import { DELIVERY_QUEUE_NAME } from "@hookline/queue";
import { freePort, type Service, startService } from "./processes.js";
import { deletePrefixKeys, type QueueControl, queueControl } from "./queue-control.js";
import { type ReceiverClient, receiverClient } from "./receiver-client.js";

export type StackOptions = {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  workerConcurrency: number;
  /** Extra environment for the API and the worker (knobs under test). */
  env?: Record<string, string>;
  /** The checkout whose API and worker run (default: this one): compares versions side by side. */
  root?: string | undefined;
  /** Write V8 CPU profiles of the API and the worker into this directory. */
  profileDir?: string | undefined;
};

export type HooklineStack = {
  apiUrl: string;
  receiver: ReceiverClient;
  queue: QueueControl;
  services: Service[];
  /** The environment the API and worker got (for the report). */
  env: Record<string, string>;
  stop(): Promise<void>;
};

export async function startHooklineStack(options: StackOptions): Promise<HooklineStack> {
  const services: Service[] = [];
  const receiverService = await startService({ name: "receiver", entry: "bench/receiver/main.ts", env: {} });
  services.push(receiverService);
  const receiver = receiverClient(Number(receiverService.ready.port), Number(receiverService.ready.hangPort));

  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: "production",
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    PORT: String(port),
    HOOKLINE_QUEUE_PREFIX: options.queuePrefix,
    HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    HOOKLINE_ALLOWED_DESTINATIONS: "127.0.0.0/8",
    HOOKLINE_WORKER_CONCURRENCY: String(options.workerConcurrency),
    // Short retries so the hanging endpoints of the isolation scenario are delivered within the
    // run once they recover; healthy deliveries succeed on their first try and never retry.
    HOOKLINE_RETRY_SCHEDULE: "1s,2s,4s,8s,15s,30s,60s",
    // The bench measures capacity, not the per-key quota.
    HOOKLINE_INGEST_RATE_LIMIT: "0",
    LOG_LEVEL: "warn",
    ...options.env,
  };
  const profileArgs = (name: string): string[] =>
    options.profileDir
      ? // One directory per process: tsx's loader thread writes a profile of its own beside the main one.
        ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}${name}`]
      : [];
  const queue = queueControl(options.redisUrl, options.queuePrefix, DELIVERY_QUEUE_NAME);
  try {
    const apiUrl = `http://127.0.0.1:${port}`;
    services.push(
      await startService({
        name: "api",
        entry: "apps/api/src/main.ts",
        cwd: options.root,
        nodeArgs: profileArgs("api"),
        env,
        probe: async () => (await fetch(`${apiUrl}/readyz`)).ok,
      }),
    );
    services.push(
      await startService({
        name: "worker",
        entry: "apps/worker/src/main.ts",
        cwd: options.root,
        nodeArgs: profileArgs("worker"),
        env,
        probe: async () => (await queue.workers()) > 0,
      }),
    );
    return {
      apiUrl,
      receiver,
      queue,
      services,
      env,
      async stop() {
        for (const service of [...services].reverse()) await service.stop();
        // Everything under the run's prefix: the queue, and what the API and worker keep beside it
        // (endpoint gates, rate limits, stream state).
        await deletePrefixKeys(queue.redis, options.queuePrefix);
        await queue.close();
      },
    };
  } catch (error) {
    for (const service of services) await service.stop();
    await queue.close();
    throw error;
  }
}
