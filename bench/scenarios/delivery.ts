// Delivery capacity. Drain: the backlog the ingest scenario left (accepted, queued, worker paused)
// is released at once and timed until every job is done — each attempt recorded in Postgres, since a
// job completes only after its batch commits. This is the figure to compare with the BullMQ +
// undici baseline, which drains pre-filled jobs the same way.
import type { BenchContext } from "../lib/context.js";
import { type CpuPerUnit, committedTransactions, perUnit } from "../lib/cpu-meter.js";
import type { Ledger } from "../lib/ledger.js";
import { round, sleep } from "../lib/stats.js";

export type DrainResult = {
  deliveries: number;
  seconds: number;
  perSecond: number;
  cpuMsPerDelivery: CpuPerUnit;
  /** Postgres transactions committed per delivery (reads and writes; the bench's own few included). */
  transactionsPerDelivery: number;
};

/** Drains what the ingest scenario left queued; `ledgers` say how many deliveries that is (a large
 * fan-out travels as one job, so the queue's job count is not the delivery count). */
export async function runDrain(ctx: BenchContext, ledgers: readonly Ledger[]): Promise<DrainResult> {
  const deliveries = ledgers.reduce((sum, ledger) => sum + ledger.sentDeliveries, 0);
  const cpu = await ctx.cpu.sample();
  const transactions = await committedTransactions(ctx.database.db, "hookline_bench");
  await ctx.stack.queue.resume();
  const ms = await ctx.stack.queue.waitDrained(600_000);
  const cpuMsPerDelivery = perUnit(await ctx.cpu.since(cpu), deliveries);
  await ctx.collectArrivals();
  await sleep(2_500);
  const transactionsPerDelivery = round(
    ((await committedTransactions(ctx.database.db, "hookline_bench")) - transactions) / deliveries,
    3,
  );
  const result = {
    deliveries,
    seconds: round(ms / 1000, 2),
    perSecond: round(deliveries / (ms / 1000)),
    cpuMsPerDelivery,
    transactionsPerDelivery,
  };
  ctx.log(
    `delivery drain: ${deliveries} deliveries in ${result.seconds} s = ${result.perSecond}/s; CPU ms per delivery ${JSON.stringify(cpuMsPerDelivery)}; ${transactionsPerDelivery} Postgres transactions per delivery`,
  );
  return result;
}
