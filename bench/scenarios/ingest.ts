// Ingest: what the API sustains at a fixed concurrency, with the worker paused so the figure is the
// API's alone. Single events (POST .../events, compared with the Express + one-transaction
// baseline) and batches of up to 1,000 (POST .../events/batch). What is accepted here stays queued:
// the delivery scenario drains it.
import { type ClosedLoopResult, runClosedLoop } from "../lib/closed-loop.js";
import { type BenchContext, samplePayload } from "../lib/context.js";
import { type CpuPerUnit, perUnit } from "../lib/cpu-meter.js";
import type { Ledger } from "../lib/ledger.js";
import { round } from "../lib/stats.js";

export type IngestResults = {
  single: ClosedLoopResult & { cpuMsPerEvent: CpuPerUnit };
  batch: ClosedLoopResult & {
    batchSize: number;
    connections: number;
    eventsPerSecond: number;
    cpuMsPerEvent: CpuPerUnit;
  };
  ledgers: Ledger[];
};

export async function runIngest(ctx: BenchContext): Promise<IngestResults> {
  await ctx.stack.queue.pause();
  const single = await ctx.tenantWithEndpoints("ingest", 1);
  const headers = { authorization: `Bearer ${single.tenant.producerKey}` };
  const body = JSON.stringify({ eventType: "order.created", payload: samplePayload(0) });
  const onResponse = (status: number, text: string) => {
    single.ledger.acceptAnswer(status, text);
  };
  const connections = ctx.sizes.ingestConnections;
  const singleCpu = await ctx.cpu.sample();
  const singleResult = await runClosedLoop({
    warmup: ctx.sizes.ingestConnections * 50,
    url: single.eventsUrl,
    connections,
    durationS: ctx.sizes.ingestSeconds,
    headers,
    body,
    onResponse,
  });
  ctx.log(
    `ingest single: ${singleResult.perSecond} events/s, p50 ${singleResult.p50} ms, p99 ${singleResult.p99} ms`,
  );

  const singleCpuMs = perUnit(await ctx.cpu.since(singleCpu), single.ledger.accepted.size);
  ctx.log(`ingest single: CPU ms per event ${JSON.stringify(singleCpuMs)}`);

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
    single: { ...singleResult, cpuMsPerEvent: singleCpuMs },
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
