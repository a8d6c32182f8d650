// How long this machine's disk takes to make a small write durable, probed while a latency phase
// runs. Every commit waits for such a sync of Postgres' WAL, so a disk that now and then takes a few
// hundred milliseconds (seen here, idle: p99.9 58 ms, max 270 ms over 15 s) stalls every ingest
// in that moment — a stall the CPU readings cannot see. The probe writes 4 KiB and fdatasyncs it
// every 50 ms on the filesystem of the system temp directory (on this machine the same disk as
// Postgres' data), in the libuv pool: 20 syncs a second beside the hundreds Postgres does.
import { open, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { round } from "./stats.js";

const INTERVAL_MS = 50;
/** A sync slower than this counts as a stall. */
export const SLOW_SYNC_MS = 50;

export type DiskSyncs = { syncs: number; p50Ms: number; maxMs: number; slow: number };

export function probeDiskSyncs(): { stop(): Promise<DiskSyncs> } {
  const path = join(tmpdir(), `hookline-bench-sync-${process.pid}-${Date.now()}`);
  const latencies: number[] = [];
  let running = true;
  const block = Buffer.alloc(4096, 1);
  const loop = (async () => {
    const file = await open(path, "w");
    try {
      while (running) {
        await file.write(block, 0, block.length, 0);
        const started = performance.now();
        await file.datasync();
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      }
    } finally {
      await file.close();
      await unlink(path).catch(() => {});
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        syncs: sorted.length,
        p50Ms: round(sorted[Math.floor(sorted.length / 2)] ?? 0, 1),
        maxMs: round(sorted.at(-1) ?? 0, 1),
        slow: sorted.filter((ms) => ms > SLOW_SYNC_MS).length,
      };
    },
  };
}
