// What a chaos scenario is, and the shape most of them share: a tenant with endpoints on the chaos
// receiver, a steady stream of events, one fault in the middle of it, then the wait for everything
// accepted to be delivered or dead-lettered, ending with the ledger.
import { type ChaosEndpoint, drain, type Ledger, type Owed, readLedger } from "./ledger.js";
import { startLoad } from "./load.js";
import type { OwnPostgres } from "./own-postgres.js";
import type { OwnRedis } from "./own-redis.js";
import { sleep } from "./processes.js";
import type { Stack } from "./stack.js";

export type Profile = {
  name: "fast" | "full";
  /** Events per second of the steady stream. */
  perSecond: number;
  /** How long the stream runs; the fault strikes at `faultAtMs`. */
  streamMs: number;
  faultAtMs: number;
  /** Longest wait for the ledger to balance after the fault. */
  drainTimeoutMs: number;
};

export const PROFILES: Record<Profile["name"], Profile> = {
  // Inside `npm test`: a few seconds per scenario.
  fast: { name: "fast", perSecond: 15, streamMs: 4_000, faultAtMs: 1_500, drainTimeoutMs: 40_000 },
  // `npm run chaos`.
  full: { name: "full", perSecond: 25, streamMs: 20_000, faultAtMs: 8_000, drainTimeoutMs: 90_000 },
};

export type Check = { name: string; ok: boolean; detail: string };

export type ScenarioResult = {
  scenario: string;
  ledger: Ledger;
  /** From the end of the fault until every event accepted by then was delivered or dead-lettered
   * (the stream goes on meanwhile). */
  drainMs: number;
  drained: boolean;
  checks: Check[];
  notes: string[];
};

export type ScenarioContext = {
  stack: Stack;
  redis: OwnRedis;
  /** Only for scenarios that asked for a Postgres of their own. */
  postgres: OwnPostgres | undefined;
  profile: Profile;
  log(message: string): void;
};

export type Scenario = {
  name: string;
  /** Runs inside `npm test` too. */
  fast: boolean;
  /** Restarts Postgres, so it needs a cluster of its own. */
  ownPostgres?: boolean;
  /** Settings for the API and worker this scenario needs beyond the chaos defaults. */
  env?(profile: Profile): Record<string, string>;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
};

export type Tenant = { appId: string; producerKey: string; endpoints: ChaosEndpoint[] };

/** An application with a producer key and `count` endpoints on the chaos receiver. */
export async function createTenant(stack: Stack, name: string, count = 1): Promise<Tenant> {
  const app = await stack.call("POST", "/v1/applications", { name: `chaos ${name}` });
  if (app.status !== 201) throw new Error(`could not create an application: ${JSON.stringify(app.body)}`);
  const appId = app.body.id as string;
  const key = await stack.call("POST", "/v1/keys", { role: "producer", applicationId: appId });
  const endpoints: ChaosEndpoint[] = [];
  for (let i = 0; i < count; i++) {
    const path = `/ep/${name}-${i}`;
    const created = await stack.call("POST", `/v1/applications/${appId}/endpoints`, {
      url: `${stack.receiverUrl}${path}`,
    });
    if (created.status !== 201)
      throw new Error(`could not create an endpoint: ${JSON.stringify(created.body)}`);
    endpoints.push({ id: created.body.id, path });
  }
  return { appId, producerKey: key.body.key, endpoints };
}

/** The suite's standard stream: `chaos.tick` events to `tenant` at the profile's rate. */
export function startTickLoad(ctx: ScenarioContext, tenant: Tenant) {
  return startLoad({
    apiUrl: ctx.stack.apiUrl,
    key: tenant.producerKey,
    appId: tenant.appId,
    eventType: "chaos.tick",
    perSecond: ctx.profile.perSecond,
  });
}

/**
 * The common scenario: stream events to each tenant, run `fault` at the profile's fault time (it
 * resolves when the fault is over, e.g. the restarted process is back), finish the streams, drain,
 * and close the ledger.
 */
export async function streamWithFault(
  ctx: ScenarioContext,
  scenario: string,
  tenants: readonly Tenant[],
  fault: () => Promise<{ checks?: Check[]; notes?: string[] }>,
): Promise<ScenarioResult> {
  const { stack, profile } = ctx;
  const loads = tenants.map((tenant) => ({ tenant, load: startTickLoad(ctx, tenant) }));
  const owedSoFar = () =>
    loads.map(({ tenant, load }) => ({ accepted: load.accepted(), endpoints: tenant.endpoints }));
  const started = Date.now();
  await sleep(profile.faultAtMs);
  const acceptedCount = () => owedSoFar().reduce((sum, owed) => sum + owed.accepted.length, 0);
  ctx.log(`${scenario}: fault after ${acceptedCount()} accepted events`);
  const outcome = await fault();
  const faultOver = Date.now();
  // Recovery is measured on what was accepted until the fault ended, while the streams go on.
  const recovery = drain(stack, owedSoFar(), { timeoutMs: profile.drainTimeoutMs, since: faultOver });
  await sleep(Math.max(0, profile.streamMs - (Date.now() - started)));
  const sent = await Promise.all(loads.map(({ load }) => load.stop()));
  const retries = sent.reduce((sum, stream) => sum + stream.retries, 0);
  ctx.log(`${scenario}: streams over, ${acceptedCount()} accepted (${retries} retried requests)`);
  return closeLedger(
    ctx,
    scenario,
    loads.map(({ tenant }, index) => ({
      accepted: sent[index]?.accepted ?? [],
      endpoints: tenant.endpoints,
    })),
    await recovery,
    outcome,
  );
}

/** Endpoints of the wide tenant that faults hit alongside a one-endpoint one: more than ingest writes
 * deliveries for (FAN_OUT_WRITTEN_AT_INGEST_MAX), so the worker writes them — a path of its own. */
export const WIDE_TENANT_ENDPOINTS = 6;

/** Waits for everything accepted to be settled, a moment more for late duplicates, and reads the
 * final ledger. `recovery` is the drain measured after the fault, when the scenario had one. */
export async function closeLedger(
  ctx: ScenarioContext,
  scenario: string,
  owed: readonly Owed[],
  recovery: { drainMs: number; drained: boolean } | { since: number },
  outcome: { checks?: Check[]; notes?: string[] },
): Promise<ScenarioResult> {
  const final = await drain(ctx.stack, owed, {
    timeoutMs: ctx.profile.drainTimeoutMs,
    since: "since" in recovery ? recovery.since : Date.now(),
  });
  await sleep(1_000);
  const ledger = await readLedger(ctx.stack, owed);
  const measured = "since" in recovery ? final : recovery;
  return {
    scenario,
    ledger,
    drainMs: measured.drainMs,
    drained: measured.drained && final.drained,
    checks: outcome.checks ?? [],
    notes: outcome.notes ?? [],
  };
}
