// CPU used on this machine by processes outside the bench — anything but node (runner, stack,
// receiver), postgres, redis-server and tsx's esbuild — and by the kernel's own threads, sampled from
// /proc while a latency phase runs. A host that shares its two cores with other services (seen here:
// RabbitMQ starting a whole Erlang VM about once a minute to check on epmd, taking most of a core for
// half a second) stalls the stack for that moment, and a p99 over 20 s is decided by one such stall;
// this says whether a phase had one.
import { readdirSync, readFileSync } from "node:fs";
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
};

/** Busy ticks of the whole machine (every core): all but idle and iowait. */
function machineBusyTicks(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1);
  return fields.reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + Number(value)), 0);
}

/** Busy ticks of each of the bench's own processes (those named in OURS), by pid. */
function benchTicks(names: Map<string, string | null>): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!names.has(pid)) names.set(pid, readFileSync(`/proc/${pid}/comm`, "utf8").trim());
      if (!OURS.has(names.get(pid) ?? "")) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      names.set(pid, null);
    }
  }
  return ticks;
}

/** Ticks the bench's processes used between two readings: a process that started in between counts
 * whole, one that exited counts nothing (its last ticks go to "outside", at most one window's worth). */
function ticksBetween(before: Map<string, number>, after: Map<string, number>): number {
  let ticks = 0;
  for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0);
  return ticks;
}

export function watchOutsideLoad(windowMs = 250): { stop(): OutsideLoad } {
  const names = new Map<string, string | null>();
  const outside: number[] = [];
  let busy = machineBusyTicks();
  let ours = benchTicks(names);
  let lastAt = performance.now();
  const timer = setInterval(() => {
    const nowBusy = machineBusyTicks();
    const nowOurs = benchTicks(names);
    const now = performance.now();
    const ms = Math.max(0, nowBusy - busy - ticksBetween(ours, nowOurs)) * TICK_MS;
    outside.push(ms / (now - lastAt));
    busy = nowBusy;
    ours = nowOurs;
    lastAt = now;
  }, windowMs);
  return {
    stop() {
      clearInterval(timer);
      const sum = outside.reduce((total, cores) => total + cores, 0);
      return {
        windowMs,
        windows: outside.length,
        meanCores: round(sum / Math.max(outside.length, 1), 2),
        maxCores: round(Math.max(0, ...outside), 2),
        disturbedWindows: outside.filter((cores) => cores > DISTURBED_CORES).length,
      };
    },
  };
}
