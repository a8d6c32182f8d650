// Isolation: 10 % of an application's endpoints hang (accept the connection, never answer) while
// events flow to all of them at the same open-loop rate as the latency scenario. The healthy
// endpoints' end-to-end latency should look like the latency scenario's. Afterwards the hanging
// endpoints recover and everything they were owed is delivered (retries), so the ledger balances.
import type { BenchContext } from "../lib/context.js";
import { type LatencySummary, round, summarize } from "../lib/stats.js";
import { sendOpenLoop } from "./latency.js";

export type IsolationResult = {
  endpoints: number;
  hanging: number;
  ratePerSecond: number;
  seconds: number;
  healthy: LatencySummary;
  /** How long after the hanging endpoints recovered until every delivery was done. */
  recoverySeconds: number;
};

export async function runIsolation(ctx: BenchContext, rate: number): Promise<IsolationResult> {
  const endpoints = ctx.sizes.isolationEndpoints;
  const hangingCount = Math.max(1, Math.round(endpoints / 10));
  const isHanging = (index: number) => index < hangingCount;
  const target = await ctx.tenantWithEndpoints("isolation", endpoints, {
    hanging: isHanging,
    eventTypes: (index) => [`iso.${index}`],
  });
  await ctx.stack.receiver.hang();
  const seconds = ctx.sizes.isolationSeconds;
  // The drain inside sendOpenLoop would wait for the hanging deliveries: release them first.
  const sending = sendOpenLoop(
    ctx,
    { eventsUrl: target.eventsUrl, producerKey: target.tenant.producerKey, ledger: target.ledger },
    rate,
    seconds,
    (index) => `iso.${index % endpoints}`,
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000 + 2_000));
  const released = performance.now();
  await ctx.stack.receiver.release();
  const { scheduled } = await sending;
  const recoverySeconds = round((performance.now() - released) / 1000, 2);

  const healthy: number[] = [];
  for (const [eventId, at] of scheduled) {
    const endpointIndex = target.endpointIds.findIndex(
      (id) => target.ledger.arrivalOf(eventId, id) !== undefined,
    );
    if (endpointIndex < 0 || isHanging(endpointIndex)) continue;
    healthy.push(
      (target.ledger.arrivalOf(eventId, target.endpointIds[endpointIndex] as string) as number) - at,
    );
  }
  const result = {
    endpoints,
    hanging: hangingCount,
    ratePerSecond: rate,
    seconds,
    healthy: summarize(healthy),
    recoverySeconds,
  };
  ctx.log(
    `isolation (${hangingCount}/${endpoints} hanging) at ${rate}/s: healthy p50 ${result.healthy.p50} ms, p99 ${result.healthy.p99} ms; ` +
      `recovered in ${recoverySeconds} s`,
  );
  return result;
}
