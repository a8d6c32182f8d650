// End-to-end latency at a fixed open-loop rate (about half the sustained capacity): each event is
// due at a scheduled time; ingest latency and end-to-end latency (receiver got it) are both measured
// from that time, so a stall anywhere shows up in the figures.
import { type BenchContext, samplePayload } from "../lib/context.js";
import type { Ledger } from "../lib/ledger.js";
import { runOpenLoop } from "../lib/open-loop.js";
import { describeOutsideLoad, type OutsideLoad, watchOutsideLoad } from "../lib/outside-load.js";
import { type LatencySummary, summarize } from "../lib/stats.js";

export type LatencyResult = {
  ratePerSecond: number;
  seconds: number;
  events: number;
  ingest: LatencySummary;
  endToEnd: LatencySummary;
  /** The sender's worst lateness against its own schedule (a loaded runner shows here). */
  senderLateMs: number;
  /** CPU taken by processes outside the bench while the events were sent. */
  outsideLoad: OutsideLoad;
};

/** Sends `eventType(i)` events open-loop and returns, per accepted event, its scheduled time. */
export async function sendOpenLoop(
  ctx: BenchContext,
  target: { eventsUrl: string; producerKey: string; ledger: Ledger },
  rate: number,
  seconds: number,
  eventType: (index: number) => string,
  options: { waitForDelivery?: boolean } = {},
) {
  const outside = watchOutsideLoad();
  const { sends, lateMs } = await runOpenLoop({
    url: target.eventsUrl,
    ratePerSecond: rate,
    durationMs: seconds * 1000,
    headers: { authorization: `Bearer ${target.producerKey}` },
    body: (index) => JSON.stringify({ eventType: eventType(index), payload: samplePayload(index) }),
  });
  const outsideLoad = await outside.stop();
  const scheduled = new Map<string, number>();
  for (const send of sends) {
    for (const event of target.ledger.acceptAnswer(send.status, send.responseBody))
      scheduled.set(event.id, send.scheduledAt);
  }
  if (options.waitForDelivery ?? true) {
    await ctx.stack.queue.waitDrained(600_000);
    await ctx.collectArrivals();
  }
  return { sends, lateMs, scheduled, outsideLoad };
}

export async function runLatency(ctx: BenchContext, rate: number): Promise<LatencyResult> {
  const target = await ctx.tenantWithEndpoints("latency", 1);
  const seconds = ctx.sizes.openLoopSeconds;
  const { sends, lateMs, scheduled, outsideLoad } = await sendOpenLoop(
    ctx,
    { eventsUrl: target.eventsUrl, producerKey: target.tenant.producerKey, ledger: target.ledger },
    rate,
    seconds,
    () => "order.created",
  );
  const endpointId = target.endpointIds[0] as string;
  const endToEnd: number[] = [];
  for (const [eventId, at] of scheduled) {
    const arrived = target.ledger.arrivalOf(eventId, endpointId);
    if (arrived !== undefined) endToEnd.push(arrived - at);
  }
  const result = {
    ratePerSecond: rate,
    seconds,
    events: sends.length,
    ingest: summarize(sends.filter((send) => send.status === 202).map((send) => send.latencyMs)),
    endToEnd: summarize(endToEnd),
    senderLateMs: Math.round(lateMs),
    outsideLoad,
  };
  ctx.log(
    `open loop at ${rate}/s: ingest p99 ${result.ingest.p99} ms, end-to-end p50 ${result.endToEnd.p50} ms, p99 ${result.endToEnd.p99} ms; ` +
      `outside the bench: ${describeOutsideLoad(outsideLoad)}`,
  );
  return result;
}
