// `npm run chaos`: the fault-injection suite. Each scenario runs the real API and worker as separate
// processes with a steady stream of events, injects one fault, and ends with a ledger (accepted =
// delivered + dead + missing, duplicates apart). Prints the table, writes it to
// chaos/results/latest.md, and exits 1 if anything is missing or a check failed.
// `npm run chaos -- --fast` runs the short profile; other arguments pick scenarios by name.
import { mkdirSync, writeFileSync } from "node:fs";
import { renderDetails, renderTable, runScenarios } from "./lib/runner.js";
import { PROFILES } from "./lib/scenario.js";
import { SCENARIOS } from "./scenarios/index.js";

const args = process.argv.slice(2);
const profile = args.includes("--fast") ? PROFILES.fast : PROFILES.full;
const wanted = args.filter((arg) => !arg.startsWith("--")).map((arg) => arg.toLowerCase());
const scenarios = wanted.length
  ? SCENARIOS.filter((s) => wanted.some((w) => s.name.toLowerCase().includes(w)))
  : SCENARIOS;

const started = Date.now();
const log = (message: string) =>
  console.log(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
// Every scenario is bounded (its drain times out); no scenario starts after six minutes, so the
// suite ends within ten whatever happens.
const outcomes = await runScenarios(scenarios, profile, log, { startBefore: started + 6 * 60_000 });

const table = renderTable(outcomes);
const details = renderDetails(outcomes);
const total = `${((Date.now() - started) / 1000).toFixed(0)} s`;
console.log(`\n${table}\n\n${details}\n\nprofile ${profile.name}, ${outcomes.length} scenarios in ${total}`);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("./results/latest.md", import.meta.url),
  `# Chaos run (${new Date().toISOString()}, profile ${profile.name}, ${total})\n\n${table}\n\n${details}\n`,
);
process.exit(outcomes.every((outcome) => outcome.ok) ? 0 : 1);
