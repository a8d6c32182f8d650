// Baselines: what the same machine does with the same parts and nothing else. BullMQ completing
// no-op jobs; BullMQ + HMAC + undici POST to the receiver (no Postgres); Express inserting one row
// per request in a Postgres transaction. Each runs in its own process, like Hookline's.
import { generateSecret } from "@hookline/core";
import type { ClosedLoopResult } from "../lib/closed-loop.js";
import { type BenchContext, samplePayload } from "../lib/context.js";
import { type CpuMeter, type CpuPerUnit, perUnit } from "../lib/cpu-meter.js";
import { startService } from "../lib/processes.js";
import { queueControl } from "../lib/queue-control.js";
import { round } from "../lib/stats.js";

export type QueueBaseline = {
  jobs: number;
  seconds: number;
  perSecond: number;
  received: number;
  balanced: boolean;
  /** The baseline worker counts as `worker`, so it compares with Hookline's. */
  cpuMsPerJob: CpuPerUnit;
};
export type BaselineResults = {
  bullmqNoop: QueueBaseline;
  bullmqUndici: QueueBaseline;
};

export async function runBaselines(ctx: BenchContext, prefix: string): Promise<BaselineResults> {
  const bullmqNoop = await queueBaseline(ctx, `${prefix}-noop`, "noop");
  ctx.log(`baseline BullMQ no-op: ${bullmqNoop.perSecond} jobs/s`);
  const bullmqUndici = await queueBaseline(ctx, `${prefix}-undici`, "undici");
  ctx.log(`baseline BullMQ + HMAC + undici: ${bullmqUndici.perSecond} deliveries/s`);
  return { bullmqNoop, bullmqUndici };
}

async function queueBaseline(
  ctx: BenchContext,
  prefix: string,
  mode: "noop" | "undici",
): Promise<QueueBaseline> {
  const queue = queueControl(ctx.redisUrl, prefix, "baseline");
  const jobs = ctx.sizes.baselineJobs;
  const path = `/ok/baseline-${mode}/0`;
  try {
    await queue.deleteKeys();
    await queue.pause();
    const createdAt = new Date().toISOString();
    for (let start = 0; start < jobs; start += 1_000) {
      const chunk = Array.from({ length: Math.min(1_000, jobs - start) }, (_, offset) => {
        const id = `msg_baseline_${mode}_${start + offset}`;
        return {
          name: "deliver",
          data: { id, eventType: "order.created", payload: samplePayload(start + offset), createdAt },
          opts: { jobId: id, removeOnComplete: true, removeOnFail: true },
        };
      });
      await queue.queue.addBulk(chunk);
    }
    await ctx.collectArrivals();
    const worker = await startService({
      name: `baseline-${mode}`,
      entry: "bench/baselines/bullmq-worker.ts",
      args: [
        JSON.stringify({
          mode,
          redisUrl: ctx.redisUrl,
          prefix,
          queue: "baseline",
          concurrency: ctx.concurrency,
          receiverUrl: ctx.stack.receiver.url + path,
          secret: generateSecret(),
        }),
      ],
      env: {},
    });
    const cpu = ctx.cpu.with({
      pids: () => ({ ...ctx.cpu.pids(), api: undefined, worker: worker.child.pid }),
    });
    try {
      const start = await cpu.sample();
      await queue.resume();
      const ms = await queue.waitDrained(300_000);
      const cpuMsPerJob = perUnit(await cpu.since(start), jobs);
      const arrivals = (await ctx.stack.receiver.drain()).filter((arrival) => arrival[1] === path);
      const received = new Set(arrivals.map((arrival) => arrival[0])).size;
      const counts = await queue.counts();
      return {
        jobs,
        seconds: round(ms / 1000, 2),
        perSecond: round(jobs / (ms / 1000)),
        received,
        balanced: (mode === "noop" || received === jobs) && (counts.failed ?? 0) === 0,
        cpuMsPerJob,
      };
    } finally {
      await worker.stop();
    }
  } finally {
    await queue.deleteKeys();
    await queue.close();
  }
}

const EXPRESS_BASELINE_NAME = "bench-express-baseline";

export type ExpressBaselineResult = ClosedLoopResult & {
  rows: number;
  balanced: boolean;
  cpuMsPerRequest: CpuPerUnit;
};

/** The Express + one-transaction baseline as a running process, for the ingest scenario to measure
 * in rounds alternating with Hookline's ingest. */
export type ExpressBaseline = {
  url: string;
  body: string;
  headers: Record<string, string>;
  onResponse(status: number, body: string): void;
  /** CPU of the baseline: its process counts as `api`, so it compares with Hookline's API. */
  cpu: CpuMeter;
  /** Rows inserted against answers received, and stops the process. */
  finish(measured: ClosedLoopResult, cpu: CpuPerUnit): Promise<ExpressBaselineResult>;
};

export async function startExpressBaseline(ctx: BenchContext): Promise<ExpressBaseline> {
  const server = await startService({
    name: "baseline-express",
    entry: "bench/baselines/express-pg.ts",
    args: [
      JSON.stringify({
        databaseUrl: ctx.database.url,
        poolSize: ctx.apiPoolSize,
        applicationName: EXPRESS_BASELINE_NAME,
      }),
    ],
    env: { NODE_ENV: "production" },
  });
  let accepted = 0;
  return {
    url: `http://127.0.0.1:${server.ready.port}/events`,
    body: JSON.stringify({ eventType: "order.created", payload: samplePayload(0) }),
    headers: { authorization: "Bearer hl_producer_baseline_does_not_check_this_key_0000" },
    onResponse(status, text) {
      if (status === 202 && JSON.parse(text).id) accepted++;
    },
    cpu: ctx.cpu.with({
      pids: () => ({ ...ctx.cpu.pids(), api: server.child.pid, worker: undefined, receiver: undefined }),
      applicationNames: [EXPRESS_BASELINE_NAME],
    }),
    async finish(measured, cpuMsPerRequest) {
      try {
        const rows = Number(
          (await ctx.database.db.$client.query("select count(*) as n from bench_rows")).rows[0]?.n,
        );
        return { ...measured, rows, balanced: rows === accepted && measured.non2xx === 0, cpuMsPerRequest };
      } finally {
        await server.stop();
      }
    },
  };
}
