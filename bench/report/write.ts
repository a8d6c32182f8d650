// Renders a run's results: the console table, and bench/results/<name>.json and <name>.md.

import { mkdir, writeFile } from "node:fs/promises";
import type { OutsideLoad } from "../lib/outside-load.js";
import type { BenchResults } from "./results.js";
import { kib } from "./targets.js";

/** The row under an open-loop phase that says how busy the rest of the machine was meanwhile. */
const OUTSIDE_LOAD_ROW =
  "  CPU outside the bench meanwhile, mean / max cores (250 ms windows over half a core); slowest disk sync, ms (syncs over 50 ms)";

type Row = [measure: string, hookline: string, baseline: string, ratio: string];

export function summaryRows(results: BenchResults): Row[] {
  const rows: Row[] = [];
  const { baselines: b, ingest, drain, soak, capacity, latency, fanout, isolation } = results;
  // The Express baseline runs inside the ingest scenario, in rounds alternating with Hookline's.
  const e = ingest?.expressPg;
  const ratio = (a: number, z: number | undefined) => (z ? `${(a / z).toFixed(2)} ×` : "");
  if (b) {
    rows.push(["Baseline: BullMQ no-op processor (pre-filled), jobs/s", "", `${b.bullmqNoop.perSecond}`, ""]);
    rows.push([
      "Baseline: BullMQ + HMAC + undici POST (pre-filled), deliveries/s",
      "",
      `${b.bullmqUndici.perSecond}`,
      "",
    ]);
  }
  if (e) {
    rows.push([
      "Baseline: Express + one-row PG transaction, req/s (p50 / p99 ms)",
      "",
      `${e.perSecond} (${e.p50} / ${e.p99})`,
      "",
    ]);
  }
  if (drain) {
    rows.push([
      `Delivery: drain of ${drain.deliveries} accepted deliveries, deliveries/s`,
      `${drain.perSecond}`,
      b ? `${b.bullmqUndici.perSecond} (BullMQ + undici)` : "",
      ratio(drain.perSecond, b?.bullmqUndici.perSecond),
    ]);
    if (b)
      rows.push([
        "Delivery vs BullMQ no-op",
        `${drain.perSecond}`,
        `${b.bullmqNoop.perSecond}`,
        ratio(drain.perSecond, b.bullmqNoop.perSecond),
      ]);
  }
  if (soak) {
    rows.push([
      `Sustained end to end, batch producers (${soak.events.toLocaleString("en")} events), deliveries/s`,
      `${soak.deliveriesPerSecond}`,
      b ? `${b.bullmqUndici.perSecond} (BullMQ + undici)` : "",
      ratio(soak.deliveriesPerSecond, b?.bullmqUndici.perSecond),
    ]);
    rows.push([
      "Redis: bench prefix peak / after the run (completed jobs left)",
      `${kib(soak.redis.peakPrefixBytes)} / ${kib(soak.redis.afterPrefixBytes)} (${soak.redis.completedLeft})`,
      "",
      "",
    ]);
  }
  if (capacity) {
    rows.push([
      `Sustained end to end, single-event producers (${results.meta.ingestConnections} connections): delivered/s (accepted/s)`,
      `${capacity.deliveredPerSecond} (${capacity.acceptedPerSecond})`,
      b ? `${b.bullmqUndici.perSecond} (BullMQ + undici)` : "",
      ratio(capacity.deliveredPerSecond, b?.bullmqUndici.perSecond),
    ]);
  }
  if (ingest) {
    rows.push([
      `Ingest single event, ${results.meta.ingestConnections} connections, events/s`,
      `${ingest.single.perSecond}`,
      e ? `${e.perSecond} (Express + PG)` : "",
      ratio(ingest.single.perSecond, e?.perSecond),
    ]);
    rows.push([
      "Ingest single event, p50 / p99 ms",
      `${ingest.single.p50} / ${ingest.single.p99}`,
      e ? `${e.p50} / ${e.p99}` : "",
      ratio(ingest.single.p99, e?.p99),
    ]);
    rows.push([
      `Ingest batch of ${ingest.batch.batchSize}, ${ingest.batch.requests} requests on ${ingest.batch.connections} connections, events/s (request p50 / p99 ms)`,
      `${ingest.batch.eventsPerSecond} (${ingest.batch.p50} / ${ingest.batch.p99})`,
      e ? `${e.perSecond} (Express + PG)` : "",
      ratio(ingest.batch.eventsPerSecond, e?.perSecond),
    ]);
  }
  if (latency) {
    rows.push([
      `End to end at ${latency.ratePerSecond} events/s open loop (${latency.events} events), p50 / p99 ms`,
      `${latency.endToEnd.p50} / ${latency.endToEnd.p99}`,
      "",
      "",
    ]);
    rows.push([
      "  ingest part of it (from scheduled time), p50 / p99 ms",
      `${latency.ingest.p50} / ${latency.ingest.p99}`,
      "",
      "",
    ]);
    rows.push([OUTSIDE_LOAD_ROW, outsideLoadCell(latency.outsideLoad), "", ""]);
  }
  const one = fanout?.find((level) => level.endpoints === 1);
  for (const level of fanout ?? []) {
    rows.push([
      `Fan-out to ${level.endpoints}: ingest at ${level.fixedRate.ratePerSecond} events/s, p50 / p99 ms (CPU outside the bench meanwhile, mean / max cores; slowest disk sync, ms)`,
      `${level.fixedRate.latency.p50} / ${level.fixedRate.latency.p99} (${outsideLoadCell(level.fixedRate.outsideLoad)})`,
      one && level !== one ? `${one.fixedRate.latency.p99} (fan-out to 1)` : "",
      one && level !== one ? ratio(level.fixedRate.latency.p99, one.fixedRate.latency.p99) : "",
    ]);
    rows.push([
      `Fan-out to ${level.endpoints}: ingest at ${results.meta.ingestConnections} connections, p50 / p99 ms (events/s)`,
      `${level.ingest.p50} / ${level.ingest.p99} (${level.ingest.perSecond})`,
      one && level !== one ? `${one.ingest.p99} (fan-out to 1)` : "",
      one && level !== one ? ratio(level.ingest.p99, one.ingest.p99) : "",
    ]);
    rows.push([
      `Fan-out to ${level.endpoints}: drain deliveries/s; lone event to all endpoints p50 / p99 ms`,
      `${level.drain.perSecond}; ${level.lastEndpoint.p50} / ${level.lastEndpoint.p99}`,
      "",
      "",
    ]);
  }
  if (isolation) {
    rows.push([
      `Isolation: ${isolation.hanging} of ${isolation.endpoints} endpoints hanging, healthy p50 / p99 ms at ${isolation.ratePerSecond}/s`,
      `${isolation.healthy.p50} / ${isolation.healthy.p99}`,
      `${isolation.control.p50} / ${isolation.control.p99} (same endpoints, none hanging)`,
      ratio(isolation.healthy.p99, isolation.control.p99),
    ]);
    rows.push([
      OUTSIDE_LOAD_ROW,
      outsideLoadCell(isolation.outsideLoad.fault),
      `${outsideLoadCell(isolation.outsideLoad.control)} (control phase)`,
      "",
    ]);
  }
  const cpu = (parts: Partial<Record<string, number>>, names: string[]) =>
    names.map((name) => `${name} ${parts[name] ?? 0}`).join(" / ");
  if (ingest) {
    rows.push([
      "CPU ms per single ingest: api / postgres / redis (baseline: its process as api)",
      cpu(ingest.single.cpuMsPerEvent, ["api", "postgres", "redis"]),
      e ? cpu(e.cpuMsPerRequest, ["api", "postgres", "redis"]) : "",
      ratio(ingest.single.cpuMsPerEvent.total, e?.cpuMsPerRequest.total),
    ]);
  }
  if (drain) {
    rows.push([
      "CPU ms per delivery, drain: worker / postgres / redis / receiver (baseline: BullMQ + undici)",
      cpu(drain.cpuMsPerDelivery, ["worker", "postgres", "redis", "receiver"]),
      b ? cpu(b.bullmqUndici.cpuMsPerJob, ["worker", "postgres", "redis", "receiver"]) : "",
      ratio(drain.cpuMsPerDelivery.total, b?.bullmqUndici.cpuMsPerJob.total),
    ]);
  }
  if (capacity) {
    rows.push([
      "CPU ms per event end to end, single-event producers: api / worker / postgres / redis / receiver",
      cpu(capacity.cpuMsPerEvent, ["api", "worker", "postgres", "redis", "receiver"]),
      "",
      "",
    ]);
  }
  return rows;
}

export function renderMarkdown(results: BenchResults): string {
  const { meta } = results;
  const lines: string[] = [];
  lines.push(
    `# Hookline bench — ${meta.mode} run${results.void ? " — VOID (the ledger does not balance)" : ""}`,
  );
  lines.push("");
  lines.push(
    `${meta.startedAt} · commit ${meta.commit} · Node ${meta.node} · ${meta.cpus} CPUs · load average before ${meta.loadBefore.join(" / ")}` +
      (meta.loadAfter ? `, after ${meta.loadAfter.join(" / ")}` : "") +
      ` · worker concurrency ${meta.workerConcurrency}`,
  );
  if (Object.keys(meta.env).length > 0)
    lines.push(
      `\nKnobs: ${Object.entries(meta.env)
        .map(([k, v]) => `\`${k}=${v}\``)
        .join(", ")}`,
    );
  lines.push("", "| Measure | Hookline | Baseline | Ratio |", "| --- | --- | --- | --- |");
  for (const row of summaryRows(results)) lines.push(`| ${row.join(" | ")} |`);
  lines.push("", "## Targets", "", "| Target | Measured | Met |", "| --- | --- | --- |");
  for (const check of results.targets)
    lines.push(`| ${check.target} | ${check.measured} | ${check.pass ? "yes" : "**no**"} |`);
  lines.push(
    "",
    "## Ledger",
    "",
    "| Scenario | Events | Sent | Delivered | Missing | Unexpected | Repeats | PG succeeded | PG attempts | Requests | Balanced |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  if (results.baselines) {
    const { bullmqNoop, bullmqUndici } = results.baselines;
    lines.push(
      `| baseline BullMQ no-op | ${bullmqNoop.jobs} jobs | | | | | | | | | ${bullmqNoop.balanced ? "yes" : "**no**"} |`,
      `| baseline BullMQ + undici | ${bullmqUndici.jobs} jobs | ${bullmqUndici.jobs} | ${bullmqUndici.received} | ${bullmqUndici.jobs - bullmqUndici.received} | | | | | | ${bullmqUndici.balanced ? "yes" : "**no**"} |`,
    );
  }
  const express = results.ingest?.expressPg;
  if (express) {
    lines.push(
      `| baseline Express + PG | ${express.requests} measured requests | | | | | | ${express.rows} rows | | | ${express.balanced ? "yes" : "**no**"} |`,
    );
  }
  for (const entry of results.ledger) {
    lines.push(
      `| ${entry.scenario} | ${entry.events} | ${entry.sent} | ${entry.delivered} | ${entry.missing} | ${entry.unexpected} | ${entry.repeats} | ${entry.postgres.succeeded} | ${entry.postgres.attempts} | ${entry.receiverRequests} | ${entry.balanced ? "yes" : `**no**: ${entry.problems.join("; ")}`} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export function renderConsole(results: BenchResults): string {
  const rows = summaryRows(results);
  const header: [string, string, string, string] = ["Measure", "Hookline", "Baseline", "Ratio"];
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ");
  const out = [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line), ""];
  for (const check of results.targets)
    out.push(`${check.pass ? "MET   " : "NOT MET"} ${check.target}: ${check.measured}`);
  for (const entry of results.ledger) {
    out.push(
      `ledger ${entry.scenario}: ${entry.balanced ? "balanced" : `DOES NOT BALANCE — ${entry.problems.join("; ")}`} (sent ${entry.sent}, delivered ${entry.delivered}, attempts ${entry.postgres.attempts})`,
    );
  }
  if (results.void) out.push("", "THIS RUN IS VOID: a ledger does not balance.");
  return out.join("\n");
}

export async function writeResults(results: BenchResults, directory: URL, name: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const json = new URL(`${name}.json`, directory);
  const markdown = new URL(`${name}.md`, directory);
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(results));
  return [json.pathname, markdown.pathname];
}

function outsideLoadCell(load: OutsideLoad): string {
  const disk = load.diskSyncs;
  return `${load.meanCores} / ${load.maxCores} (${load.disturbedWindows} of ${load.windows}); ${disk.maxMs} (${disk.slow} of ${disk.syncs})`;
}
