// Sustained end to end: producers keep sending batches while the worker delivers, for 100,000
// events in a full run, with at most a window of undelivered events outstanding (so the figure is
// what ingest and delivery sustain together on the same cores, not a backlog drained later).
// Redis is sampled throughout: completed jobs must be removed, so its footprint stays flat.
import { type BenchContext, samplePayload } from "../lib/context.js";
import { type CpuPerUnit, perUnit } from "../lib/cpu-meter.js";
import { prefixFootprint } from "../lib/queue-control.js";
import { round, sleep } from "../lib/stats.js";

export type SoakResult = {
  events: number;
  seconds: number;
  deliveriesPerSecond: number;
  /** Ingest and delivery together, per event (one delivery each). */
  cpuMsPerEvent: CpuPerUnit;
  redis: {
    /** Bytes (MEMORY USAGE) of the bench prefix's keys: largest sample during the run, and after. */
    peakPrefixBytes: number;
    peakPrefixKeys: number;
    afterPrefixBytes: number;
    afterPrefixKeys: number;
    /** Redis `used_memory` (whole server, shared with other users): start, peak, end. */
    usedMemoryStart: number;
    usedMemoryPeak: number;
    usedMemoryEnd: number;
    completedLeft: number;
    failedLeft: number;
    bounded: boolean;
  };
};

const WINDOW = 5_000;
const BATCH = 500;
const SENDERS = 2;

export async function runSoak(ctx: BenchContext): Promise<SoakResult> {
  const { tenant, ledger, eventsUrl } = await ctx.tenantWithEndpoints("soak", 1);
  const total = ctx.sizes.soakEvents;
  const { redis } = ctx.stack.queue;
  const prefix = ctx.stack.env.HOOKLINE_QUEUE_PREFIX as string;
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? 0);
  const base = (await ctx.stack.receiver.count()).total;
  const usedMemoryStart = await usedMemory();
  let usedMemoryPeak = usedMemoryStart;
  let peakPrefixBytes = 0;
  let peakPrefixKeys = 0;
  let sent = 0;
  let received = 0;
  let finished = false;

  const sampler = (async () => {
    while (!finished) {
      const footprint = await prefixFootprint(redis, prefix);
      peakPrefixBytes = Math.max(peakPrefixBytes, footprint.bytes);
      peakPrefixKeys = Math.max(peakPrefixKeys, footprint.keys);
      usedMemoryPeak = Math.max(usedMemoryPeak, await usedMemory());
      // Every key is asked its size: often enough to see a peak, not so often that it loads Redis.
      await sleep(2_000);
    }
  })();
  const counter = (async () => {
    while (!finished) {
      received = (await ctx.stack.receiver.count()).total - base;
      await sleep(20);
    }
  })();

  const cpu = await ctx.cpu.sample();
  const started = performance.now();
  const sender = async () => {
    while (sent < total) {
      if (sent - received + BATCH > WINDOW) {
        await sleep(5);
        continue;
      }
      const size = Math.min(BATCH, total - sent);
      const first = sent;
      sent += size;
      const response = await fetch(`${eventsUrl}/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${tenant.producerKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          events: Array.from({ length: size }, (_, n) => ({
            eventType: "order.created",
            payload: samplePayload(first + n),
          })),
        }),
      });
      ledger.acceptAnswer(response.status, await response.text());
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  await ctx.stack.queue.waitDrained(600_000);
  const seconds = (performance.now() - started) / 1000;
  const cpuMsPerEvent = perUnit(await ctx.cpu.since(cpu), total);
  finished = true;
  await Promise.all([sampler, counter]);
  await ctx.collectArrivals();

  const after = await prefixFootprint(redis, prefix);
  const counts = await ctx.stack.queue.counts();
  const completedLeft = counts.completed ?? 0;
  const failedLeft = counts.failed ?? 0;
  const result: SoakResult = {
    events: total,
    seconds: round(seconds, 2),
    deliveriesPerSecond: round(total / seconds),
    cpuMsPerEvent,
    redis: {
      peakPrefixBytes,
      peakPrefixKeys,
      afterPrefixBytes: after.bytes,
      afterPrefixKeys: after.keys,
      usedMemoryStart,
      usedMemoryPeak,
      usedMemoryEnd: await usedMemory(),
      completedLeft,
      failedLeft,
      // Bounded: nothing finished stays behind, and what is left after the run is a few bookkeeping
      // keys, not one per event.
      bounded: completedLeft === 0 && failedLeft === 0 && after.keys < 50,
    },
  };
  ctx.log(
    `sustained: ${total} events in ${result.seconds} s = ${result.deliveriesPerSecond} deliveries/s; ` +
      `CPU ms per event ${JSON.stringify(cpuMsPerEvent)}; Redis prefix peak ${Math.round(peakPrefixBytes / 1024)} KiB / ${peakPrefixKeys} keys, after ${after.keys} keys`,
  );
  return result;
}
