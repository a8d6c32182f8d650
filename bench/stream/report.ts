// The stream bench's tables: on the console and in bench/results/<name>.json|md.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../lib/processes.js";
import type { CeilingRow, PolicyRow } from "./scenarios.js";

export type StreamBenchResults = {
  meta: Record<string, string | number>;
  policies: PolicyRow[];
  ceiling: CeilingRow[];
};

export function policyTable(rows: readonly PolicyRow[]): string {
  const header =
    "| policy | readers (slow) | offered ev/s | fanned out ev/s | healthy p50 / p99 ms | healthy gaps+cuts | API RSS before → peak MiB | API CPU | readers' CPU | slow: told skipped | slow: lost | slow: duplicates | slow: cut and resumed |";
  const lines = rows.map(
    (row) =>
      `| ${row.policy} | ${row.readers} (${row.slowReaders}) | ${row.offeredPerSecond} | ${row.fannedOutPerSecond} | ${row.healthyP50Ms} / ${row.healthyP99Ms} | ${row.healthyGapsOrDisconnects} | ${row.apiRssBeforeMiB} → ${row.apiRssPeakMiB} | ${row.apiCpuPercent} % | ${row.readersCpuPercent} % | ${row.slowToldSkipped} | ${row.slowLost} | ${row.slowDuplicates} | ${row.slowResumes} |`,
  );
  return [header, `|${" --- |".repeat(13)}`, ...lines].join("\n");
}

export function ceilingTable(rows: readonly CeilingRow[]): string {
  const header =
    "| readers | events | produced ev/s | events/s per reader | deliveries/s | p50 / p99 ms | API CPU | readers' CPU | API RSS peak MiB | disconnects | lost |";
  const lines = rows.map(
    (row) =>
      `| ${row.readers} | ${row.events} | ${row.producedPerSecond} | ${row.eventsPerSecondPerReader} | ${row.deliveriesPerSecond} | ${row.p50Ms} / ${row.p99Ms} | ${row.apiCpuPercent} % | ${row.readersCpuPercent} % | ${row.apiRssPeakMiB} | ${row.disconnects} | ${row.lost} |`,
  );
  return [header, `|${" --- |".repeat(11)}`, ...lines].join("\n");
}

export function writeStreamResults(name: string, results: StreamBenchResults): { json: string; md: string } {
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  const meta = Object.entries(results.meta)
    .map(([key, value]) => `- ${key}: ${value}`)
    .join("\n");
  writeFileSync(
    md,
    `# Stream bench (${results.meta.mode})\n\n${meta}\n\n## Slow-consumer policies\n\n${policyTable(results.policies)}\n\n## Fan-out ceiling of one API process\n\n${ceilingTable(results.ceiling)}\n`,
  );
  return { json, md };
}
