// The targets, checked against one run's figures (ratios from the same run).
import type { BenchResults } from "./results.js";

export type TargetCheck = { target: string; measured: string; pass: boolean };

export function checkTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const { baselines, drain, ingest, latency, fanout, soak } = results;
  if (drain && baselines) {
    const ratio = drain.perSecond / baselines.bullmqUndici.perSecond;
    checks.push({
      target: "sustained delivery ≥ 0.4 × BullMQ + undici, every attempt recorded",
      measured: `${ratio.toFixed(2)} × (${drain.perSecond} vs ${baselines.bullmqUndici.perSecond}/s)`,
      pass: ratio >= 0.4,
    });
  }
  if (ingest) {
    const ratio = ingest.single.perSecond / ingest.expressPg.perSecond;
    checks.push({
      target: "single-event ingest ≥ 0.8 × Express + one transaction",
      measured: `${ratio.toFixed(2)} × (${ingest.single.perSecond} vs ${ingest.expressPg.perSecond}/s)`,
      pass: ratio >= 0.8,
    });
    checks.push({
      target: "single-event ingest p99 < 50 ms",
      measured: `${ingest.single.p99} ms`,
      pass: ingest.single.p99 < 50,
    });
  }
  if (latency) {
    checks.push({
      target: "end-to-end p99 < 100 ms at half capacity",
      measured: `${latency.endToEnd.p99} ms at ${latency.ratePerSecond}/s`,
      pass: latency.endToEnd.p99 < 100,
    });
  }
  const one = fanout?.find((level) => level.endpoints === 1);
  const hundred = fanout?.find((level) => level.endpoints === 100);
  if (one && hundred) {
    const ratio = hundred.fixedRate.latency.p99 / one.fixedRate.latency.p99;
    checks.push({
      target: `fan-out to 100 costs the API ≤ 2 × fan-out to 1 (ingest p99 at ${one.fixedRate.ratePerSecond} events/s)`,
      measured: `${ratio.toFixed(2)} × (${hundred.fixedRate.latency.p99} vs ${one.fixedRate.latency.p99} ms); saturated at ${results.meta.ingestConnections} connections ${(hundred.ingest.p99 / one.ingest.p99).toFixed(2)} × (${hundred.ingest.p99} vs ${one.ingest.p99} ms)`,
      pass: ratio <= 2,
    });
  }
  if (soak) {
    checks.push({
      target: `Redis memory bounded over ${soak.events.toLocaleString("en")} events`,
      measured: `prefix peak ${kib(soak.redis.peakPrefixBytes)} (${soak.redis.peakPrefixKeys} keys), after ${soak.redis.afterPrefixKeys} keys; completed left ${soak.redis.completedLeft}`,
      pass: soak.redis.bounded,
    });
  }
  return checks;
}

export function kib(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(0)} KiB`;
}
