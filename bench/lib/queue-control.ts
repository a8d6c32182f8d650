// The runner's hold on a BullMQ queue under the bench's prefix: pause it while a backlog is built,
// resume it to measure the drain, watch its counts, and delete the prefix's keys at the end (never
// anything else in the shared Redis).
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { sleep } from "./stats.js";

export type QueueControl = {
  queue: Queue;
  redis: Redis;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Jobs not finished yet: waiting (also while paused), active, delayed, prioritized. */
  unfinished(): Promise<number>;
  counts(): Promise<Record<string, number>>;
  /** Resolves when no job is left; returns the time that took (ms). */
  waitDrained(timeoutMs: number): Promise<number>;
  workers(): Promise<number>;
  deleteKeys(): Promise<number>;
  close(): Promise<void>;
};

const UNFINISHED = ["wait", "active", "delayed", "prioritized", "waiting-children"] as const;

export function queueControl(redisUrl: string, prefix: string, name: string): QueueControl {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: redis, prefix });
  const unfinished = async () => {
    const counts = await queue.getJobCounts(...UNFINISHED);
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };
  return {
    queue,
    redis,
    pause: () => queue.pause(),
    resume: () => queue.resume(),
    unfinished,
    counts: () => queue.getJobCounts(...UNFINISHED, "completed", "failed"),
    async waitDrained(timeoutMs) {
      const started = performance.now();
      const deadline = Date.now() + timeoutMs;
      while ((await unfinished()) > 0) {
        if (Date.now() > deadline)
          throw new Error(`queue ${prefix}:${name} not drained after ${timeoutMs} ms`);
        await sleep(10);
      }
      return performance.now() - started;
    },
    async workers() {
      return (await queue.getWorkers()).length;
    },
    deleteKeys: () => deletePrefixKeys(redis, `${prefix}:${name}`),
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

/** Deletes every key under `<prefix>:`; returns how many there were. */
export async function deletePrefixKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}

/** Counts keys under `<prefix>:` and their memory (MEMORY USAGE, bytes). */
export async function prefixFootprint(
  redis: Redis,
  prefix: string,
): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    keys += found.length;
    const pipeline = redis.pipeline();
    for (const key of found) pipeline.memory("USAGE", key);
    for (const [, usage] of (await pipeline.exec()) ?? []) bytes += Number(usage ?? 0);
  } while (cursor !== "0");
  return { keys, bytes };
}
