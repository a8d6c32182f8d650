// End-to-end capacity with single-event producers: a closed loop of POST .../events at the ingest
// concurrency while the worker delivers, on the same cores. The rate the receiver gets events at is
// what the whole pipeline sustains (if ingest outpaces delivery the backlog grows and the delivered
// rate is the limit). The open-loop latency scenario runs at half of it.
import { runClosedLoop } from "../lib/closed-loop.js";
import { type BenchContext, samplePayload } from "../lib/context.js";
import { type CpuPerUnit, perUnit } from "../lib/cpu-meter.js";
import { round } from "../lib/stats.js";

export type CapacityResult = {
  seconds: number;
  acceptedPerSecond: number;
  deliveredPerSecond: number;
  ingestP99: number;
  cpuMsPerEvent: CpuPerUnit;
};

export async function runCapacity(ctx: BenchContext): Promise<CapacityResult> {
  const target = await ctx.tenantWithEndpoints("capacity", 1);
  let receivedAtStart = 0;
  let cpu = await ctx.cpu.sample();
  const loop = await runClosedLoop({
    url: target.eventsUrl,
    connections: ctx.sizes.ingestConnections,
    durationS: ctx.sizes.capacitySeconds,
    warmup: ctx.sizes.ingestConnections * 20,
    headers: { authorization: `Bearer ${target.tenant.producerKey}` },
    body: JSON.stringify({ eventType: "order.created", payload: samplePayload(0) }),
    onMeasuredStart: async () => {
      receivedAtStart = (await ctx.stack.receiver.count()).total;
      cpu = await ctx.cpu.sample();
    },
    onResponse: (status, text) => {
      target.ledger.acceptAnswer(status, text);
    },
  });
  const delivered = (await ctx.stack.receiver.count()).total - receivedAtStart;
  const cpuMsPerEvent = perUnit(await ctx.cpu.since(cpu), loop.requests);
  await ctx.stack.queue.waitDrained(600_000);
  await ctx.collectArrivals();
  const result = {
    seconds: loop.durationS,
    acceptedPerSecond: loop.perSecond,
    deliveredPerSecond: round(delivered / loop.durationS),
    ingestP99: loop.p99,
    cpuMsPerEvent,
  };
  ctx.log(
    `capacity (single-event producers): accepted ${result.acceptedPerSecond}/s, delivered ${result.deliveredPerSecond}/s; CPU ms per event ${JSON.stringify(cpuMsPerEvent)}`,
  );
  return result;
}
