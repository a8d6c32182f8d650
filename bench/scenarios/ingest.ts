// Ingest: what the API sustains at a fixed concurrency, with the worker paused so the figure is the
// API's alone. Single events (POST .../events), in rounds alternating with the Express +
// one-transaction baseline, and batches of up to 1,000 (POST .../events/batch). What is accepted here stays queued:
// the delivery scenario drains it.
import { type ClosedLoopResult, runClosedLoop } from "../lib/closed-loop.js";
import { type BenchContext, samplePayload } from "../lib/context.js";
import {
  type CpuMeter,
  type CpuPerUnit,
  type CpuUsage,
  committedTransactions,
  perUnit,
} from "../lib/cpu-meter.js";
import { interleave } from "../lib/interleave.js";
import type { Ledger } from "../lib/ledger.js";
import { round, sleep } from "../lib/stats.js";
import { type ExpressBaselineResult, startExpressBaseline } from "./baselines.js";

export type IngestResults = {
  single: ClosedLoopResult & {
    cpuMsPerEvent: CpuPerUnit;
    transactionsPerEvent: number;
    rounds: ClosedLoopResult[];
  };
  expressPg: ExpressBaselineResult & { rounds: ClosedLoopResult[] };
  batch: ClosedLoopResult & {
    batchSize: number;
    connections: number;
    eventsPerSecond: number;
    cpuMsPerEvent: CpuPerUnit;
  };
  ledgers: Ledger[];
};

/** Runs `measure` and adds the CPU it took (per `meter`) to `total`. */
async function metered(meter: CpuMeter, total: CpuUsage, measure: () => Promise<ClosedLoopResult>) {
  const start = await meter.sample();
  const result = await measure();
  const used = await meter.since(start);
  for (const part of Object.keys(total) as (keyof CpuUsage)[]) total[part] += used[part];
  return result;
}

const noCpu = (): CpuUsage => ({ api: 0, worker: 0, postgres: 0, redis: 0, receiver: 0 });

export async function runIngest(ctx: BenchContext): Promise<IngestResults> {
  await ctx.stack.queue.pause();
  const single = await ctx.tenantWithEndpoints("ingest", 1);
  const express = await startExpressBaseline(ctx);
  const connections = ctx.sizes.ingestConnections;
  const hookline = {
    url: single.eventsUrl,
    connections,
    headers: { authorization: `Bearer ${single.tenant.producerKey}` },
    body: JSON.stringify({ eventType: "order.created", payload: samplePayload(0) }),
    onResponse: (status: number, text: string) => {
      single.ledger.acceptAnswer(status, text);
    },
  };
  const baseline = {
    url: express.url,
    connections,
    headers: express.headers,
    body: express.body,
    onResponse: express.onResponse,
  };
  // A few hundred requests left the first measured round of each side below the rest (Hookline's by
  // a quarter, with 40 % more API CPU per event): V8 was still compiling. A round's length each fixes it.
  const warmup = { durationS: ctx.sizes.ingestWarmupSeconds };
  await runClosedLoop({ ...baseline, ...warmup });
  await runClosedLoop({ ...hookline, ...warmup });

  // Rounds alternate with the baseline's, so both see the same background load.
  const hooklineCpu = noCpu();
  const baselineCpu = noCpu();
  let hooklineEvents = 0;
  let baselineRequests = 0;
  const transactions = await committedTransactions(ctx.database.db, "hookline_bench");
  const [hooklineRounds, baselineRounds] = await interleave(ctx.sizes.ingestRounds, [
    async () => {
      const before = single.ledger.accepted.size;
      const result = await metered(ctx.cpu, hooklineCpu, () =>
        runClosedLoop({ ...hookline, durationS: ctx.sizes.ingestSeconds }),
      );
      hooklineEvents += single.ledger.accepted.size - before;
      return result;
    },
    async () => {
      const result = await metered(express.cpu, baselineCpu, () =>
        runClosedLoop({ ...baseline, durationS: ctx.sizes.ingestSeconds }),
      );
      baselineRequests += result.requests;
      return result;
    },
  ]);
  if (!hooklineRounds || !baselineRounds) throw new Error("interleave lost a side");
  await sleep(2_500);
  // The baseline's rounds commit one transaction per request in the same database.
  const transactionsPerEvent = round(
    ((await committedTransactions(ctx.database.db, "hookline_bench")) - transactions - baselineRequests) /
      hooklineEvents,
    3,
  );
  const expressPg = {
    ...(await express.finish(baselineRounds.median, perUnit(baselineCpu, baselineRequests))),
    rounds: baselineRounds.rounds,
  };
  const singleResult = {
    ...hooklineRounds.median,
    cpuMsPerEvent: perUnit(hooklineCpu, hooklineEvents),
    transactionsPerEvent,
    rounds: hooklineRounds.rounds,
  };
  ctx.log(
    `ingest single (median of ${ctx.sizes.ingestRounds} rounds): ${singleResult.perSecond} events/s, p50 ${singleResult.p50} ms, p99 ${singleResult.p99} ms; ` +
      `CPU ms per event ${JSON.stringify(singleResult.cpuMsPerEvent)}; ${transactionsPerEvent} Postgres transactions per event`,
  );
  ctx.log(
    `baseline Express + 1 PG transaction (alternating rounds): ${expressPg.perSecond} req/s, p50 ${expressPg.p50} ms, p99 ${expressPg.p99} ms; ` +
      `CPU ms per request ${JSON.stringify(expressPg.cpuMsPerRequest)}`,
  );

  const batch = await ctx.tenantWithEndpoints("ingest-batch", 1);
  const batchSize = ctx.sizes.batchSize;
  const batchBody = JSON.stringify({
    events: Array.from({ length: batchSize }, (_, n) => ({
      eventType: "order.created",
      payload: samplePayload(n),
    })),
  });
  const batchCpu = await ctx.cpu.sample();
  const batchResult = await runClosedLoop({
    url: `${batch.eventsUrl}/batch`,
    connections: ctx.sizes.batchConnections,
    amount: ctx.sizes.batchRequests,
    warmup: ctx.sizes.batchConnections,
    headers: { authorization: `Bearer ${batch.tenant.producerKey}` },
    body: batchBody,
    onResponse: (status, text) => {
      batch.ledger.acceptAnswer(status, text);
    },
  });
  const batchCpuMs = perUnit(await ctx.cpu.since(batchCpu), batch.ledger.accepted.size);
  const eventsPerSecond = round((batchResult.requests * batchSize) / batchResult.durationS);
  ctx.log(`ingest batch of ${batchSize}: ${eventsPerSecond} events/s, p99 ${batchResult.p99} ms per request`);
  return {
    single: singleResult,
    expressPg,
    batch: {
      ...batchResult,
      batchSize,
      connections: ctx.sizes.batchConnections,
      eventsPerSecond,
      cpuMsPerEvent: batchCpuMs,
    },
    ledgers: [single.ledger, batch.ledger],
  };
}
