// CPU time spent by each part of the stack during a scenario, from /proc (Linux): the API and worker
// processes, the receiver, and the Postgres backends serving the bench database. On a machine shared
// with other work, CPU time per delivery is steadier than throughput, so profile findings are stated
// in it.
import { readFileSync } from "node:fs";
import type { Database } from "@hookline/db";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export type CpuSample = Record<string, number>;
export type CpuUsage = { api: number; worker: number; postgres: number; redis: number; receiver: number };

export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export type CpuMeterOptions = {
  db: Database;
  databaseName: string;
  /** Processes to watch by part name (`api`, `worker`, `receiver`, `redis` — the whole Redis server,
   * which other users of a shared one add to). */
  pids: () => Partial<Record<keyof CpuUsage, number>>;
  /** Postgres `application_name`s whose backends count as `postgres`. */
  applicationNames: string[];
};

export type CpuMeter = {
  sample(): Promise<CpuSample>;
  pids: CpuMeterOptions["pids"];
  since(start: CpuSample): Promise<CpuUsage>;
  /** The same meter over other processes (a baseline's). */
  with(overrides: Partial<Omit<CpuMeterOptions, "db" | "databaseName">>): CpuMeter;
};

export function cpuMeter(options: CpuMeterOptions): CpuMeter {
  async function sample(): Promise<CpuSample> {
    const backends = await options.db.$client.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = $1 and application_name = any($2)",
      [options.databaseName, options.applicationNames],
    );
    const result: CpuSample = {};
    for (const [part, pid] of Object.entries(options.pids())) if (pid) result[part] = processCpuMs(pid);
    for (const { pid } of backends.rows) result[`pg:${pid}`] = processCpuMs(pid);
    return result;
  }
  return {
    sample,
    pids: options.pids,
    async since(start) {
      const end = await sample();
      let postgres = 0;
      // Backends that opened during the scenario count from zero; ones that closed are missed.
      for (const [key, ms] of Object.entries(end))
        if (key.startsWith("pg:")) postgres += ms - (start[key] ?? 0);
      const part = (name: Exclude<keyof CpuUsage, "postgres">) => (end[name] ?? 0) - (start[name] ?? 0);
      return {
        api: part("api"),
        worker: part("worker"),
        receiver: part("receiver"),
        redis: part("redis"),
        postgres,
      };
    },
    with(overrides) {
      return cpuMeter({ ...options, ...overrides });
    },
  };
}

export type CpuPerUnit = {
  api: number;
  worker: number;
  postgres: number;
  redis: number;
  receiver: number;
  total: number;
};

/** Transactions committed in the bench database so far (Postgres' statistics: flushed by each
 * backend at most once a second, so read a moment after the work). */
export async function committedTransactions(db: Database, databaseName: string): Promise<number> {
  const { rows } = await db.$client.query<{ n: string }>(
    "select xact_commit as n from pg_stat_database where datname = $1",
    [databaseName],
  );
  return Number(rows[0]?.n ?? 0);
}

/** CPU milliseconds per unit of work (event or delivery), per part, rounded to 0.01 ms. */
export function perUnit(usage: CpuUsage, units: number): CpuPerUnit {
  const each = (ms: number) => Math.round((ms / Math.max(units, 1)) * 100) / 100;
  return {
    api: each(usage.api),
    worker: each(usage.worker),
    postgres: each(usage.postgres),
    redis: each(usage.redis),
    receiver: each(usage.receiver),
    total: each(usage.api + usage.worker + usage.postgres + usage.redis + usage.receiver),
  };
}
