// Fan-out: one event to 1, 10 and 100 endpoints. What it costs the API, worker paused so only
// ingest is measured: latency at the same fixed open-loop rate for every level (the cost
// comparison: same offered load), and throughput and latency at a fixed concurrency (saturated).
// What it costs the worker (draining the deliveries), and how long until every endpoint got a lone
// event (worker running, open loop).
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
  const results: FanoutLevel[] = [];
  for (const endpoints of levels) {
    const target = await ctx.tenantWithEndpoints(`fanout-${endpoints}`, endpoints);
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
    const rate = ctx.sizes.fanoutRate;
    const steady = await sendOpenLoop(
      ctx,
      { eventsUrl: target.eventsUrl, producerKey: target.tenant.producerKey, ledger: target.ledger },
      rate,
      ctx.sizes.fanoutRateSeconds,
      () => "order.created",
      { waitForDelivery: false },
    );
    const fixedRate = {
      ratePerSecond: rate,
      events: steady.sends.length,
      latency: summarize(steady.sends.filter((send) => send.status === 202).map((send) => send.latencyMs)),
      outsideLoad: steady.outsideLoad,
    };
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
    const level: FanoutLevel = {
      endpoints,
      ingest: {
        events: ingest.requests,
        perSecond: ingest.perSecond,
        p50: ingest.p50,
        p99: ingest.p99,
        cpuMsPerEvent,
      },
      fixedRate,
      drain: { deliveries, seconds: round(ms / 1000, 2), perSecond: round(deliveries / (ms / 1000)) },
      firstEndpoint: summarize(first),
      lastEndpoint: summarize(last),
    };
    ctx.log(
      `fan-out ${endpoints}: ingest at ${rate}/s p50 ${fixedRate.latency.p50} ms, p99 ${fixedRate.latency.p99} ms (outside the bench: ${describeOutsideLoad(fixedRate.outsideLoad)}); closed loop p99 ${level.ingest.p99} ms (${level.ingest.perSecond} events/s, CPU ms per event ${JSON.stringify(cpuMsPerEvent)}), ` +
        `drain ${level.drain.perSecond} deliveries/s, all endpoints got a lone event in p99 ${level.lastEndpoint.p99} ms`,
    );
    results.push(level);
  }
  return results;
}
