// `npm run bench [-- --quick] [--profile] [--skip=a,b] [--env KEY=VALUE ...] [--name NAME]`
// One run, side by side: baselines on this machine, then Hookline (API, worker and receiver as their
// own processes against the local Postgres and Redis) through ingest, delivery, sustained load,
// open-loop latency, fan-out and isolation; a ledger check at the end; a table on the console and
// bench/results/<name>.json|md.
import { execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createBenchDatabase } from "./lib/bench-database.js";
import { createContext, SIZES } from "./lib/context.js";
import { cpuMeter } from "./lib/cpu-meter.js";
import { hooklineClient } from "./lib/hookline-client.js";
import { startHooklineStack } from "./lib/hookline-stack.js";
import { round } from "./lib/stats.js";
import type { BenchResults } from "./report/results.js";
import { checkTargets } from "./report/targets.js";
import { renderConsole, writeResults } from "./report/write.js";
import { runBaselines } from "./scenarios/baselines.js";
import { runCapacity } from "./scenarios/capacity.js";
import { runDrain } from "./scenarios/delivery.js";
import { runFanout } from "./scenarios/fanout.js";
import { runIngest } from "./scenarios/ingest.js";
import { runIsolation } from "./scenarios/isolation.js";
import { runLatency } from "./scenarios/latency.js";
import { runSoak } from "./scenarios/soak.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    skip: { type: "string", default: "" },
    env: { type: "string", multiple: true, default: [] },
    name: { type: "string" },
    root: { type: "string" },
    concurrency: { type: "string", default: "100" },
    "api-pool": { type: "string", default: "20" },
    "postgres-url": { type: "string", default: "postgres://root@127.0.0.1:5432/postgres" },
    "redis-url": { type: "string", default: "redis://127.0.0.1:6379" },
  },
});
const mode = values.quick ? "quick" : "full";
const skip = new Set(values.skip.split(",").filter(Boolean));
const knobs = Object.fromEntries(
  values.env.map((pair) => {
    const at = pair.indexOf("=");
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
const concurrency = Number(values.concurrency);
const started = new Date();
const log = (message: string) =>
  console.log(`[${((Date.now() - started.getTime()) / 1000).toFixed(1).padStart(6)} s] ${message}`);
const load = () => loadavg().map((value) => round(value, 2));

const results: BenchResults = {
  meta: {
    startedAt: started.toISOString(),
    mode,
    commit: values.root
      ? `checkout ${values.root}`
      : execSync("git rev-parse --short HEAD").toString().trim() +
        (execSync("git status --porcelain -- apps packages").length > 0 ? "+dirty" : ""),
    node: process.version,
    cpus: availableParallelism(),
    loadBefore: load(),
    workerConcurrency: concurrency,
    ingestConnections: SIZES[mode].ingestConnections,
    env: knobs,
  },
  ledger: [],
  targets: [],
  void: false,
};
log(`bench ${mode}: load average ${results.meta.loadBefore.join(" / ")} on ${results.meta.cpus} CPUs`);

const runId = randomBytes(3).toString("hex");
const database = await createBenchDatabase(values["postgres-url"], "hookline_bench");
const profileDir = values.profile
  ? new URL(`results/profiles/${started.toISOString().replace(/[:.]/g, "-")}/`, import.meta.url).pathname
  : undefined;
if (profileDir) mkdirSync(profileDir, { recursive: true });
const stack = await startHooklineStack({
  databaseUrl: database.url,
  redisUrl: values["redis-url"],
  queuePrefix: `hl-bench-${runId}`,
  workerConcurrency: concurrency,
  env: knobs,
  profileDir,
  root: values.root,
});
const redisPid = Number(/process_id:(\d+)/.exec(await stack.queue.redis.info("server"))?.[1] ?? 0);
function pidOf(name: string): number {
  return stack.services.find((service) => service.name === name)?.child.pid ?? 0;
}
log(`stack up: API ${stack.apiUrl}, receiver ${stack.receiver.url}`);
const ctx = createContext({
  mode,
  sizes: SIZES[mode],
  stack,
  database,
  client: hooklineClient(stack.apiUrl, database.adminKey),
  redisUrl: values["redis-url"],
  concurrency,
  apiPoolSize: Number(values["api-pool"]),
  cpu: cpuMeter({
    db: database.db,
    databaseName: "hookline_bench",
    pids: () => ({
      api: pidOf("api"),
      worker: pidOf("worker"),
      receiver: pidOf("receiver"),
      redis: redisPid,
    }),
    applicationNames: ["hookline-api", "hookline-worker"],
  }),
  log,
});

try {
  if (!skip.has("baselines")) results.baselines = await runBaselines(ctx, `hl-bench-${runId}-base`);
  if (!skip.has("ingest")) {
    const { ledgers, ...ingest } = await runIngest(ctx);
    results.ingest = ingest;
    if (!skip.has("drain")) results.drain = await runDrain(ctx, ledgers);
  }
  if (!skip.has("soak")) results.soak = await runSoak(ctx);
  if (!skip.has("capacity")) results.capacity = await runCapacity(ctx);
  const capacity = results.capacity?.deliveredPerSecond ?? results.soak?.deliveriesPerSecond ?? 500;
  // Half the sustained capacity of the same workload (single-event producers), rounded.
  const rate = Math.max(10, Math.round(capacity / 2 / 10) * 10);
  if (!skip.has("latency")) results.latency = await runLatency(ctx, rate);
  if (!skip.has("fanout")) results.fanout = await runFanout(ctx);
  if (!skip.has("isolation")) results.isolation = await runIsolation(ctx, rate);

  const stray = await ctx.collectArrivals();
  if (stray > 0) log(`${stray} arrivals matched no scenario`);
  for (const ledger of ctx.ledgers) results.ledger.push(await ledger.check(database.db));
  const baselinesBalance =
    !results.baselines ||
    (results.baselines.bullmqNoop.balanced &&
      results.baselines.bullmqUndici.balanced &&
      (results.ingest?.expressPg.balanced ?? true));
  results.void = results.ledger.some((entry) => !entry.balanced) || stray > 0 || !baselinesBalance;
} catch (error) {
  results.void = true;
  log(`run failed: ${(error as Error).stack ?? error}`);
  for (const service of stack.services) {
    if (service.errors.length > 0) log(`${service.name} stderr:\n${service.errors.slice(-15).join("\n")}`);
  }
} finally {
  await stack.stop();
  await database.drop();
}

results.meta.finishedAt = new Date().toISOString();
results.meta.loadAfter = load();
results.targets = checkTargets(results);
console.log("");
console.log(renderConsole(results));
const written = await writeResults(results, new URL("results/", import.meta.url), values.name ?? mode);
console.log(`\nwritten: ${written.join(", ")}${profileDir ? `\nCPU profiles: ${profileDir}` : ""}`);
process.exit(results.void ? 1 : 0);
