// CPU used on this machine by processes outside the bench — anything but node (runner, stack,
// receiver), postgres, redis-server and tsx's esbuild — and by the kernel's own threads, sampled from
// /proc while a latency phase runs. A host that shares its two cores with other services (seen here:
// RabbitMQ starting a whole Erlang VM about once a minute to check on epmd, taking most of a core for
// half a second) stalls the stack for that moment, and a p99 over 20 s is decided by one such stall;
// this says whether a phase had one. The disk's sync latency is read alongside (disk-sync-probe.ts):
// a stall of the disk is the other kind a p99 can be decided by.
import { readdirSync, readFileSync } from "node:fs";
import { processCpuMs } from "./cpu-meter.js";
import { type DiskSyncs, probeDiskSyncs, SLOW_SYNC_MS } from "./disk-sync-probe.js";
import { round } from "./stats.js";

const OURS = new Set(["node", "postgres", "redis-server", "esbuild"]);
const TICK_MS = 10;
/** A window counts as disturbed when outside processes took more than this share of one core. */
const DISTURBED_CORES = 0.5;

export type OutsideLoad = {
  /** Sampling window, ms. */
  windowMs: number;
  windows: number;
  /** Cores used outside the bench, on average and in the busiest window. */
  meanCores: number;
  maxCores: number;
  /** Windows in which outside processes took over half a core. */
  disturbedWindows: number;
  diskSyncs: DiskSyncs;
};

/** Busy ticks of the whole machine (every core): all but idle and iowait. */
function machineBusyTicks(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1);
  return fields.reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + Number(value)), 0);
}

/** CPU ms of each of the bench's own processes (those named in OURS), by pid. */
function benchCpuMs(names: Map<string, string | null>): Map<string, number> {
  const used = new Map<string, number>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!names.has(pid)) names.set(pid, readFileSync(`/proc/${pid}/comm`, "utf8").trim());
    } catch {
      names.set(pid, null);
    }
    if (OURS.has(names.get(pid) ?? "")) used.set(pid, processCpuMs(Number(pid)));
  }
  return used;
}

/** CPU ms the bench's processes used between two readings: a process that started in between counts
 * whole, one that exited counts nothing (its last share goes to "outside", at most one window's). */
function cpuMsBetween(before: Map<string, number>, after: Map<string, number>): number {
  let ms = 0;
  // A process gone between listing and reading reads as 0: it counts nothing, as one gone before.
  for (const [pid, now] of after) ms += Math.max(0, now - (before.get(pid) ?? 0));
  return ms;
}

export function watchOutsideLoad(windowMs = 250): { stop(): Promise<OutsideLoad> } {
  const disk = probeDiskSyncs();
  const names = new Map<string, string | null>();
  const outside: number[] = [];
  let busy = machineBusyTicks();
  let ours = benchCpuMs(names);
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const nowBusy = machineBusyTicks();
    const nowOurs = benchCpuMs(names);
    const now = performance.now();
    const ms = Math.max(0, (nowBusy - busy) * TICK_MS - cpuMsBetween(ours, nowOurs));
    outside.push(ms / (now - lastAt));
    busy = nowBusy;
    ours = nowOurs;
    lastAt = now;
  }, windowMs);
  return {
    async stop() {
      clearInterval(timer);
      const diskSyncs = await disk.stop();
      const sum = outside.reduce((total, cores) => total + cores, 0);
      return {
        windowMs,
        windows: outside.length,
        meanCores: round(sum / Math.max(outside.length, 1), 2),
        maxCores: round(Math.max(0, ...outside), 2),
        disturbedWindows: outside.filter((cores) => cores > DISTURBED_CORES).length,
        diskSyncs,
      };
    },
  };
}

/** "mean 0.05 / max 0.9 cores, 2 of 80 windows of 250 ms over half a core; disk syncs p50 0.4 /
 * max 270 ms, 1 of 390 over 50 ms" */
export function describeOutsideLoad(load: OutsideLoad): string {
  const disk = load.diskSyncs;
  return (
    `mean ${load.meanCores} / max ${load.maxCores} cores, ` +
    `${load.disturbedWindows} of ${load.windows} windows of ${load.windowMs} ms over half a core; ` +
    `disk syncs p50 ${disk.p50Ms} / max ${disk.maxMs} ms, ${disk.slow} of ${disk.syncs} over ${SLOW_SYNC_MS} ms`
  );
}
