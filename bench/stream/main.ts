// `npm run bench:stream [-- --quick] [--name NAME]`: the realtime streams under load. One API
// process (as `npm run start:api` runs it) against the local Postgres and Redis; readers in a
// process of their own; events written straight into the log and announced as ingest does, so the
// API's CPU goes to streaming. Prints the tables and writes bench/results/<name>.json|md.
import { execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { streamChannel } from "../../apps/api/src/streams/announce.js";
import { createBenchDatabase } from "../lib/bench-database.js";
import { freePort, startService } from "../lib/processes.js";
import { ceilingTable, policyTable, type StreamBenchResults, writeStreamResults } from "./report.js";
import { runCeiling, runPolicy, type StreamBenchContext } from "./scenarios.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    name: { type: "string" },
    "postgres-url": { type: "string", default: "postgres://root@127.0.0.1:5432/postgres" },
    "redis-url": { type: "string", default: "redis://127.0.0.1:6379" },
  },
});
const quick = values.quick;
/** Policies: frames of about 2.2 KiB, so a slow reader (a tenth of the rate) falls ~1 MB/s behind
 * and outruns the kernel's socket buffers (a few MB on loopback) within seconds. Ceiling: small
 * frames, as many events as the readers can be sent. */
const plan = quick
  ? {
      readers: 50,
      slow: 5,
      rate: 500,
      seconds: 8,
      policyPad: 2048,
      ceilingPad: 512,
      ceiling: [1, 100, 1000],
      events: [5000, 2000, 500],
    }
  : {
      readers: 100,
      slow: 10,
      rate: 500,
      seconds: 15,
      policyPad: 2048,
      ceilingPad: 512,
      ceiling: [1, 100, 1000],
      events: [50_000, 10_000, 2_000],
    };
const started = Date.now();
const log = (message: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);

const prefix = `hl-bench-stream-${randomBytes(3).toString("hex")}`;
const bench = await createBenchDatabase(values["postgres-url"], "hookline_bench_stream");
const redis = new Redis(values["redis-url"]);
const encryptionKey = randomBytes(32).toString("base64");

/** A fresh API process per experiment, so each one's memory is its own. */
async function withApi<T>(run: (ctx: StreamBenchContext) => Promise<T>): Promise<T> {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const api = await startService({
    name: "api",
    entry: "apps/api/src/main.ts",
    env: {
      NODE_ENV: "production",
      DATABASE_URL: bench.url,
      REDIS_URL: values["redis-url"],
      PORT: String(port),
      HOOKLINE_QUEUE_PREFIX: prefix,
      HOOKLINE_ENCRYPTION_KEY: encryptionKey,
      HOOKLINE_STREAM_MAX_CONNECTIONS_PER_KEY: "10000",
      LOG_LEVEL: "warn",
    },
    probe: async () => (await fetch(`${apiUrl}/healthz`)).ok,
  });
  try {
    return await run({
      db: bench.db,
      redis,
      channel: streamChannel(prefix),
      apiUrl,
      apiPid: api.child.pid as number,
      log,
    });
  } finally {
    await api.stop();
  }
}

const results: StreamBenchResults = {
  meta: {
    mode: quick ? "quick" : "full",
    startedAt: new Date(started).toISOString(),
    commit: execSync("git rev-parse --short HEAD").toString().trim(),
    cpus: availableParallelism(),
    loadBefore: loadavg()
      .map((value) => value.toFixed(2))
      .join(" "),
    policyFrames: `about ${plan.policyPad + 190} B`,
    ceilingFrames: `about ${plan.ceilingPad + 190} B`,
    buffer: "1 MiB per connection (default)",
  },
  policies: [],
  ceiling: [],
};
try {
  for (const policy of ["disconnect", "drop-oldest", "latest"]) {
    log(
      `policy ${policy}: ${plan.readers} readers (${plan.slow} slow), ${plan.rate} events/s for ${plan.seconds} s`,
    );
    const row = await withApi((ctx) =>
      runPolicy(ctx, {
        policy,
        readers: plan.readers,
        slow: plan.slow,
        rate: plan.rate,
        seconds: plan.seconds,
        padBytes: plan.policyPad,
      }),
    );
    results.policies.push(row);
    log(`  ${JSON.stringify(row)}`);
  }
  for (const [index, readers] of plan.ceiling.entries()) {
    const events = plan.events[index] as number;
    log(`ceiling: ${readers} readers, ${events} events as fast as they go`);
    const row = await withApi((ctx) => runCeiling(ctx, { readers, events, padBytes: plan.ceilingPad }));
    results.ceiling.push(row);
    log(`  ${JSON.stringify(row)}`);
  }
  results.meta.loadAfter = loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
  const written = writeStreamResults(values.name ?? (quick ? "stream-quick" : "stream"), results);
  console.log(`\n## Slow-consumer policies\n\n${policyTable(results.policies)}`);
  console.log(`\n## Fan-out ceiling of one API process\n\n${ceilingTable(results.ceiling)}\n`);
  console.log(`written: ${written.md}, ${written.json}`);
} finally {
  redis.disconnect();
  await bench.drop();
}
