// Runs scenarios one at a time, each on a fresh stack (its own Redis, a fresh database, and a
// Postgres cluster of its own when it restarts Postgres), or, to save start-ups inside `npm test`,
// all on one shared stack; and renders the closing table.
import { type OwnPostgres, startOwnPostgres } from "./own-postgres.js";
import type { OwnRedis } from "./own-redis.js";
import { startOwnRedis } from "./own-redis.js";
import type { Profile, Scenario, ScenarioResult } from "./scenario.js";
import { type Stack, startStack } from "./stack.js";

/** The shared Postgres the other scenarios create their databases on. */
export const SHARED_POSTGRES_URL =
  process.env.HOOKLINE_CHAOS_POSTGRES_URL ?? "postgres://root@127.0.0.1:5432/postgres";

export type RunOutcome = ScenarioResult & { ok: boolean; error?: string; totalMs: number };

/** Runs the scenarios in order, each on a stack of its own unless `shareStack` (then none of them
 * may need a Postgres of its own). */
export async function runScenarios(
  scenarios: readonly Scenario[],
  profile: Profile,
  log: (message: string) => void,
  options: { shareStack?: boolean; startBefore?: number } = {},
): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  if (!options.shareStack) {
    for (const scenario of scenarios) {
      if (options.startBefore !== undefined && Date.now() > options.startBefore) {
        outcomes.push(failed(scenario, new Error("not run: the suite's time budget was spent"), 0));
        continue;
      }
      log(`${scenario.name}: starting`);
      const outcome = await withStack([scenario], profile, log, async (stack, redis, postgres) => [
        await runOne(scenario, { stack, redis, postgres, profile, log }),
      ]);
      outcomes.push(outcome[0] ?? failed(scenario, new Error("no outcome"), 0));
    }
    return outcomes;
  }
  if (scenarios.some((scenario) => scenario.ownPostgres))
    throw new Error("a shared stack cannot restart Postgres");
  return withStack(scenarios, profile, log, async (stack, redis) => {
    const results: RunOutcome[] = [];
    for (const scenario of scenarios) {
      log(`${scenario.name}: starting`);
      results.push(await runOne(scenario, { stack, redis, postgres: undefined, profile, log }));
    }
    return results;
  });
}

async function withStack(
  scenarios: readonly Scenario[],
  profile: Profile,
  log: (message: string) => void,
  work: (stack: Stack, redis: OwnRedis, postgres: OwnPostgres | undefined) => Promise<RunOutcome[]>,
): Promise<RunOutcome[]> {
  const started = Date.now();
  const redis = await startOwnRedis();
  const postgres = scenarios.some((scenario) => scenario.ownPostgres) ? await startOwnPostgres() : undefined;
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      postgresUrl: postgres?.url ?? SHARED_POSTGRES_URL,
      redisUrl: redis.url,
      env: Object.assign({}, ...scenarios.map((scenario) => scenario.env?.(profile) ?? {})),
    });
    log(`stack up in ${Date.now() - started} ms`);
    return await work(stack, redis, postgres);
  } catch (error) {
    log(`stack failed: ${(error as Error).stack ?? error}`);
    return scenarios.map((scenario) => failed(scenario, error, Date.now() - started));
  } finally {
    await stack?.stop().catch(() => {});
    await redis.stop();
    await postgres?.stop();
  }
}

async function runOne(scenario: Scenario, ctx: Parameters<Scenario["run"]>[0]): Promise<RunOutcome> {
  const started = Date.now();
  try {
    const result = await scenario.run(ctx);
    const ok = result.drained && result.ledger.missing === 0 && result.checks.every((check) => check.ok);
    if (!ok) ctx.log(`${scenario.name}: FAILED\n${ctx.stack.worker().output.slice(-15).join("\n")}`);
    ctx.log(`${scenario.name}: ${ok ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { ...result, ok, totalMs: Date.now() - started };
  } catch (error) {
    ctx.log(
      `${scenario.name}: error ${(error as Error).stack ?? error}\n${ctx.stack.worker().output.slice(-10).join("\n")}`,
    );
    return failed(scenario, error, Date.now() - started);
  }
}

function failed(scenario: Scenario, error: unknown, totalMs: number): RunOutcome {
  return {
    scenario: scenario.name,
    ledger: { accepted: 0, expected: 0, delivered: 0, dead: 0, missing: 0, duplicates: 0 },
    drainMs: 0,
    drained: false,
    checks: [],
    notes: [],
    ok: false,
    error: (error as Error).message,
    totalMs,
  };
}

export function renderTable(outcomes: readonly RunOutcome[]): string {
  const header =
    "| scenario | events accepted | deliveries owed | delivered | dead | missing | duplicates | drain after fault | result |";
  const rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |";
  const rows = outcomes.map((o) =>
    [
      o.scenario,
      o.ledger.accepted,
      o.ledger.expected,
      o.ledger.delivered,
      o.ledger.dead,
      o.ledger.missing,
      o.ledger.duplicates,
      o.error ? "—" : `${(o.drainMs / 1000).toFixed(1)} s`,
      o.ok ? "ok" : `FAIL${o.error ? `: ${o.error.split("\n")[0]}` : ""}`,
    ].join(" | "),
  );
  return [header, rule, ...rows.map((row) => `| ${row} |`)].join("\n");
}

export function renderDetails(outcomes: readonly RunOutcome[]): string {
  return outcomes
    .map((o) => {
      const lines = [
        ...o.checks.map((check) => `- ${check.ok ? "✔" : "✘"} ${check.name}: ${check.detail}`),
        ...o.notes.map((note) => `- ${note}`),
        `- scenario took ${(o.totalMs / 1000).toFixed(1)} s`,
      ];
      return `### ${o.scenario}\n${lines.join("\n")}`;
    })
    .join("\n\n");
}
