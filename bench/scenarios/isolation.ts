// Isolation: 10 % of an application's endpoints hang (accept the connection, never answer) while
// events flow to all of them at the same open-loop rate as the latency scenario. The healthy
// endpoints' end-to-end latency is compared with a control phase run just before it: the same shape
// (same number of endpoints, same rate, same event mix) with none hanging, so the ratio is what the
// hanging endpoints cost the healthy ones and not the difference between one endpoint and twenty.
// Afterwards the hanging endpoints recover and everything they were owed is delivered (retries), so
// the ledger balances.
import type { BenchContext } from "../lib/context.js";
import { describeOutsideLoad, type OutsideLoad } from "../lib/outside-load.js";
import { type LatencySummary, round, summarize } from "../lib/stats.js";
import { sendOpenLoop } from "./latency.js";

export type IsolationResult = {
  endpoints: number;
  hanging: number;
  ratePerSecond: number;
  seconds: number;
  /** The endpoints that stay healthy, while the others hang. */
  healthy: LatencySummary;
  /** The same endpoints in the control phase, when none hang. */
  control: LatencySummary;
  /** How long after the hanging endpoints recovered until every delivery was done. */
  recoverySeconds: number;
  /** CPU taken by processes outside the bench while each phase sent its events. */
  outsideLoad: { fault: OutsideLoad; control: OutsideLoad };
};

export async function runIsolation(ctx: BenchContext, rate: number): Promise<IsolationResult> {
  const endpoints = ctx.sizes.isolationEndpoints;
  const hangingCount = Math.max(1, Math.round(endpoints / 10));
  const isHanging = (index: number) => index < hangingCount;
  const seconds = ctx.sizes.isolationSeconds;
  const eventTypes = (index: number) => [`iso.${index}`];
  const eventType = (index: number) => `iso.${index % endpoints}`;

  const controlTarget = await ctx.tenantWithEndpoints("isolation-control", endpoints, { eventTypes });
  const control = await sendOpenLoop(
    ctx,
    {
      eventsUrl: controlTarget.eventsUrl,
      producerKey: controlTarget.tenant.producerKey,
      ledger: controlTarget.ledger,
    },
    rate,
    seconds,
    eventType,
  );

  const target = await ctx.tenantWithEndpoints("isolation", endpoints, { hanging: isHanging, eventTypes });
  await ctx.stack.receiver.hang();
  // The drain inside sendOpenLoop would wait for the hanging deliveries: release them first.
  const sending = sendOpenLoop(
    ctx,
    { eventsUrl: target.eventsUrl, producerKey: target.tenant.producerKey, ledger: target.ledger },
    rate,
    seconds,
    eventType,
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 2_000));
  const released = performance.now();
  await ctx.stack.receiver.release();
  const { scheduled, outsideLoad } = await sending;
  const recoverySeconds = round((performance.now() - released) / 1000, 2);

  const result = {
    endpoints,
    hanging: hangingCount,
    ratePerSecond: rate,
    seconds,
    healthy: summarize(endToEnd(target, scheduled, (index) => !isHanging(index))),
    control: summarize(endToEnd(controlTarget, control.scheduled, (index) => !isHanging(index))),
    recoverySeconds,
    outsideLoad: { fault: outsideLoad, control: control.outsideLoad },
  };
  ctx.log(
    `isolation (${hangingCount}/${endpoints} hanging) at ${rate}/s: healthy p50 ${result.healthy.p50} ms, p99 ${result.healthy.p99} ms ` +
      `(none hanging: p50 ${result.control.p50} ms, p99 ${result.control.p99} ms); recovered in ${recoverySeconds} s; ` +
      `outside the bench: ${describeOutsideLoad(outsideLoad)} (control: ${describeOutsideLoad(control.outsideLoad)})`,
  );
  return result;
}

/** End-to-end latencies, from each event's scheduled time, of the endpoints `counted` picks. */
function endToEnd(
  target: Awaited<ReturnType<BenchContext["tenantWithEndpoints"]>>,
  scheduled: Map<string, number>,
  counted: (endpointIndex: number) => boolean,
): number[] {
  const latencies: number[] = [];
  for (const [eventId, at] of scheduled) {
    const endpointIndex = target.endpointIds.findIndex(
      (id) => target.ledger.arrivalOf(eventId, id) !== undefined,
    );
    if (endpointIndex < 0 || !counted(endpointIndex)) continue;
    latencies.push(
      (target.ledger.arrivalOf(eventId, target.endpointIds[endpointIndex] as string) as number) - at,
    );
  }
  return latencies;
}
