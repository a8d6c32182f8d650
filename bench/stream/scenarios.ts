// The two stream experiments. Policies: N readers of one application, some of them slow (reading at
// a tenth of the event rate), under each slow-consumer policy, at a steady rate. Ceiling: how many
// events a second one API process streams to 1, 100 or 1,000 readers that all keep up.
import { createApiKey, createApplication, type Database } from "@hookline/db";
import type { Redis } from "ioredis";
import { round, sleep, summarize, waitUntil } from "../lib/stats.js";
import { cpuMs, residentBytes, sampleMemory } from "./process-stats.js";
import { Producer } from "./producer.js";
import { startReaderPool } from "./reader-pool.js";

export type StreamBenchContext = {
  db: Database;
  redis: Redis;
  channel: string;
  apiUrl: string;
  apiPid: number;
  log(message: string): void;
};

export type PolicyRow = {
  policy: string;
  readers: number;
  slowReaders: number;
  offeredPerSecond: number;
  seconds: number;
  events: number;
  fannedOutPerSecond: number;
  healthyP50Ms: number;
  healthyP99Ms: number;
  healthyGapsOrDisconnects: number;
  apiRssBeforeMiB: number;
  apiRssPeakMiB: number;
  apiCpuPercent: number;
  readersCpuPercent: number;
  slowToldSkipped: number;
  slowLost: number;
  slowDuplicates: number;
  slowDisconnects: number;
  slowResumes: number;
  drainSeconds: number;
};

export type CeilingRow = {
  readers: number;
  events: number;
  /** How fast the producer got the events into Postgres: when the readers get them as fast, the
   * producer, not the API, was the limit. */
  producedPerSecond: number;
  eventsPerSecondPerReader: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  apiCpuPercent: number;
  readersCpuPercent: number;
  apiRssPeakMiB: number;
  disconnects: number;
  lost: number;
};

const MiB = 1024 * 1024;

async function tenant(ctx: StreamBenchContext, name: string) {
  const created = await createApplication(ctx.db, { name });
  if (created.kind !== "created") throw new Error("could not create the bench application");
  const { key } = await createApiKey(ctx.db, { role: "partner", applicationId: created.application.id });
  return { appId: created.application.id, key };
}

export async function runPolicy(
  ctx: StreamBenchContext,
  options: { policy: string; readers: number; slow: number; rate: number; seconds: number; padBytes: number },
): Promise<PolicyRow> {
  const { appId, key } = await tenant(ctx, `policy-${options.policy}`);
  const pool = await startReaderPool();
  try {
    pool.open({
      baseUrl: ctx.apiUrl,
      path: `/v1/applications/${appId}/stream?policy=${options.policy}`,
      key,
      healthy: options.readers - options.slow,
      slow: options.slow,
      slowRate: options.rate / 10,
      probes: Math.min(20, options.readers - options.slow),
    });
    await waitUntil(
      async () => {
        const { healthy, slow } = await pool.stats();
        return healthy.ready + slow.ready === options.readers;
      },
      "every reader to be ready",
      30_000,
      100,
    );
    await pool.stats(); // discard what was measured while connecting
    const rssBefore = residentBytes(ctx.apiPid);
    const cpuBefore = cpuMs(ctx.apiPid);
    const readersCpuBefore = cpuMs(pool.pid);
    const memory = sampleMemory(ctx.apiPid);
    const producer = new Producer({ ...ctx, applicationId: appId, padBytes: options.padBytes });
    const started = Date.now();
    await producer.atRate(options.rate, options.seconds * 1000);
    await sleep(1_000); // the healthy readers' tail
    const windowSeconds = (Date.now() - started) / 1000;
    const during = await pool.stats(producer.produced);
    const apiCpu = cpuMs(ctx.apiPid) - cpuBefore;
    const readersCpu = cpuMs(pool.pid) - readersCpuBefore;
    const rssPeak = memory.stop();

    ctx.log(`  ${options.policy}: produced ${producer.produced}; draining the slow readers`);
    pool.drain();
    const drainStarted = Date.now();
    let after = during;
    await waitUntil(
      async () => {
        after = await pool.stats(producer.produced);
        return after.slow.unaccounted === 0 && after.healthy.unaccounted === 0;
      },
      "the slow readers to account for every event",
      90_000,
      250,
    ).catch((error: Error) => ctx.log(`  ${error.message}`));
    const latency = summarize(during.healthy.latencies);
    return {
      policy: options.policy,
      readers: options.readers,
      slowReaders: options.slow,
      offeredPerSecond: options.rate,
      seconds: options.seconds,
      events: producer.produced,
      fannedOutPerSecond: Math.round((during.healthy.received + during.slow.received) / windowSeconds),
      healthyP50Ms: latency.p50,
      healthyP99Ms: latency.p99,
      healthyGapsOrDisconnects: after.healthy.gaps + after.healthy.resumes,
      apiRssBeforeMiB: round(rssBefore / MiB),
      apiRssPeakMiB: round(rssPeak / MiB),
      apiCpuPercent: Math.round((apiCpu / (windowSeconds * 1000)) * 100),
      readersCpuPercent: Math.round((readersCpu / (windowSeconds * 1000)) * 100),
      slowToldSkipped: after.slow.toldSkipped,
      slowLost: after.slow.unaccounted,
      slowDuplicates: after.slow.duplicates,
      slowDisconnects: after.slow.serverDisconnects,
      slowResumes: after.slow.resumes,
      drainSeconds: round((Date.now() - drainStarted) / 1000),
    };
  } finally {
    await pool.close();
  }
}

export async function runCeiling(
  ctx: StreamBenchContext,
  options: { readers: number; events: number; padBytes: number },
): Promise<CeilingRow> {
  const { appId, key } = await tenant(ctx, `ceiling-${options.readers}`);
  const pool = await startReaderPool();
  try {
    pool.open({
      baseUrl: ctx.apiUrl,
      path: `/v1/applications/${appId}/stream`,
      key,
      healthy: options.readers,
      slow: 0,
      slowRate: 0,
      probes: Math.min(10, options.readers),
    });
    await waitUntil(
      async () => (await pool.stats()).healthy.ready === options.readers,
      "every reader to be ready",
      60_000,
      100,
    );
    await pool.stats();
    const apiCpuBefore = cpuMs(ctx.apiPid);
    const readersCpuBefore = cpuMs(pool.pid);
    const memory = sampleMemory(ctx.apiPid);
    const producer = new Producer({ ...ctx, applicationId: appId, padBytes: options.padBytes });
    const started = Date.now();
    let producedSeconds = Number.NaN;
    const producing = producer.flat(options.events, 500).then(() => {
      producedSeconds = (Date.now() - started) / 1000;
    });
    const latencies: number[] = [];
    let last = await pool.stats(options.events);
    await waitUntil(
      async () => {
        last = await pool.stats(options.events);
        latencies.push(...last.healthy.latencies);
        if (process.env.DEBUG_STREAM_BENCH)
          ctx.log(
            `    ${last.healthy.complete} complete, min ${last.healthy.accountedPerReaderMin}, received ${last.healthy.received}`,
          );
        return last.healthy.unaccounted === 0;
      },
      "every reader to receive every event",
      300_000,
      100,
    );
    await producing;
    const seconds = (Date.now() - started) / 1000;
    const latency = summarize(latencies);
    const perReader = options.events / seconds;
    return {
      readers: options.readers,
      events: options.events,
      producedPerSecond: Math.round(options.events / producedSeconds),
      eventsPerSecondPerReader: Math.round(perReader),
      deliveriesPerSecond: Math.round(perReader * options.readers),
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      apiCpuPercent: Math.round(((cpuMs(ctx.apiPid) - apiCpuBefore) / (seconds * 1000)) * 100),
      readersCpuPercent: Math.round(((cpuMs(pool.pid) - readersCpuBefore) / (seconds * 1000)) * 100),
      apiRssPeakMiB: round(memory.stop() / MiB),
      disconnects: last.healthy.resumes,
      lost: last.healthy.unaccounted,
    };
  } finally {
    await pool.close();
  }
}
