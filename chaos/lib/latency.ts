// Delivery latency summaries for the isolation comparison: end to end, from the producer's send
// (`sentAt` in the payload) to the receiver's 2xx answer.

export type LatencySummary = { count: number; p50: number; p95: number; p99: number; max: number };

/** Nearest-rank percentiles of `samples` (ms). */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
  return {
    count: sorted.length,
    p50: rank(0.5),
    p95: rank(0.95),
    p99: rank(0.99),
    max: sorted.at(-1) ?? 0,
  };
}

/** Latencies of the deliveries whose events were sent within [from, to). */
export function inWindow(
  samples: ReadonlyArray<[sentAt: number, ms: number]>,
  from: number,
  to: number,
): number[] {
  return samples.filter(([sentAt]) => sentAt >= from && sentAt < to).map(([, ms]) => ms);
}

export function describeSummary(summary: LatencySummary): string {
  return `p50 ${summary.p50} ms, p95 ${summary.p95} ms, p99 ${summary.p99} ms, max ${summary.max} ms (n=${summary.count})`;
}
