// Fan-out: one event to 1, 10 and 100 endpoints. What it costs the API, worker paused so only
// ingest is measured: throughput and latency at a fixed concurrency (saturated), level by level; and
// latency at the same fixed open-loop rate for every level (the cost comparison: same offered load),
// all levels at once, each to its own application, so that a stall of the host (a slow disk sync, a
// busy neighbour) lands on every level alike instead of deciding the p99 of whichever level it fell
// in (docs/performance.md, finding 17). What it costs the worker (draining the deliveries), and how
// long until every endpoint got a lone event (worker running, open loop).
import { runClosedLoop } from "../lib/closed-loop.js";
import { type BenchContext, samplePayload } from "../lib/context.js";
import { type CpuPerUnit, perUnit } from "../lib/cpu-meter.js";
import { describeOutsideLoad, type OutsideLoad } from "../lib/outside-load.js";
import { type LatencySummary, round, summarize } from "../lib/stats.js";
import { sendOpenLoop } from "./latency.js";

export type FanoutLevel = {
  endpoints: number;
  /** Closed loop at the ingest concurrency: the API saturated. */
  ingest: { events: number; perSecond: number; p50: number; p99: number; cpuMsPerEvent: CpuPerUnit };
  /** Open loop at `ratePerSecond`, the same for every level: ingest latency from scheduled time. */
  fixedRate: { ratePerSecond: number; events: number; latency: LatencySummary; outsideLoad: OutsideLoad };
  drain: { deliveries: number; seconds: number; perSecond: number };
  /** From an event's scheduled send to the first / the last of its endpoints receiving it. */
  firstEndpoint: LatencySummary;
  lastEndpoint: LatencySummary;
};

export async function runFanout(
  ctx: BenchContext,
  levels: readonly number[] = [1, 10, 100],
): Promise<FanoutLevel[]> {
  const targets = [];
  for (const endpoints of levels)
    targets.push(await ctx.tenantWithEndpoints(`fanout-${endpoints}`, endpoints));
  const results: Omit<FanoutLevel, "fixedRate">[] = [];
  for (const [index, endpoints] of levels.entries()) {
    const target = targets[index] as (typeof targets)[number];
    const headers = { authorization: `Bearer ${target.tenant.producerKey}` };
    await ctx.stack.queue.pause();
    const cpu = await ctx.cpu.sample();
    const ingest = await runClosedLoop({
      url: target.eventsUrl,
      connections: ctx.sizes.ingestConnections,
      amount: ctx.sizes.fanoutEvents,
      warmup: ctx.sizes.ingestConnections * 3,
      headers,
      body: JSON.stringify({ eventType: "order.created", payload: samplePayload(0) }),
      onResponse: (status, text) => {
        target.ledger.acceptAnswer(status, text);
      },
    });
    const cpuMsPerEvent = perUnit(await ctx.cpu.since(cpu), ingest.requests);
    const deliveries = target.ledger.sentDeliveries;
    await ctx.stack.queue.resume();
    const ms = await ctx.stack.queue.waitDrained(600_000);

    const probes = ctx.sizes.fanoutProbes;
    const { scheduled } = await sendOpenLoop(
      ctx,
      { eventsUrl: target.eventsUrl, producerKey: target.tenant.producerKey, ledger: target.ledger },
      4,
      probes / 4,
      () => "order.created",
    );
    const first: number[] = [];
    const last: number[] = [];
    for (const [eventId, at] of scheduled) {
      const arrivals = target.endpointIds.map((endpointId) => target.ledger.arrivalOf(eventId, endpointId));
      if (arrivals.some((arrival) => arrival === undefined)) continue;
      first.push(Math.min(...(arrivals as number[])) - at);
      last.push(Math.max(...(arrivals as number[])) - at);
    }
    results.push({
      endpoints,
      ingest: {
        events: ingest.requests,
        perSecond: ingest.perSecond,
        p50: ingest.p50,
        p99: ingest.p99,
        cpuMsPerEvent,
      },
      drain: { deliveries, seconds: round(ms / 1000, 2), perSecond: round(deliveries / (ms / 1000)) },
      firstEndpoint: summarize(first),
      lastEndpoint: summarize(last),
    });
  }

  // Every level at the fixed rate, side by side, worker paused: ingest alone, same moments.
  const rate = ctx.sizes.fanoutRate;
  await ctx.stack.queue.pause();
  const steady = await Promise.all(
    targets.map((target) =>
      sendOpenLoop(
        ctx,
        { eventsUrl: target.eventsUrl, producerKey: target.tenant.producerKey, ledger: target.ledger },
        rate,
        ctx.sizes.fanoutRateSeconds,
        () => "order.created",
        { waitForDelivery: false },
      ),
    ),
  );
  await ctx.stack.queue.resume();
  await ctx.stack.queue.waitDrained(600_000);
  await ctx.collectArrivals();

  return results.map((result, index) => {
    const sent = steady[index] as (typeof steady)[number];
    const level: FanoutLevel = {
      ...result,
      fixedRate: {
        ratePerSecond: rate,
        events: sent.sends.length,
        latency: summarize(sent.sends.filter((send) => send.status === 202).map((send) => send.latencyMs)),
        outsideLoad: sent.outsideLoad,
      },
    };
    ctx.log(
      `fan-out ${level.endpoints}: ingest at ${rate}/s p50 ${level.fixedRate.latency.p50} ms, p99 ${level.fixedRate.latency.p99} ms (outside the bench: ${describeOutsideLoad(level.fixedRate.outsideLoad)}); closed loop p99 ${level.ingest.p99} ms (${level.ingest.perSecond} events/s, CPU ms per event ${JSON.stringify(level.ingest.cpuMsPerEvent)}), ` +
        `drain ${level.drain.perSecond} deliveries/s, all endpoints got a lone event in p99 ${level.lastEndpoint.p99} ms`,
    );
    return level;
  });
}
