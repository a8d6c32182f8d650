// Postgres restarts mid-stream (a cluster of the scenario's own: fast shutdown, 3 s down, start).
// While it is down the API answers 503 problem+json, promptly, to readiness probes and to producers
// (who retry with their idempotency key); the worker's jobs fail and back off. When it is back,
// both recover by themselves: no restart, nothing missing.
import { waitFor } from "@hookline/testing";
import { sleep } from "../lib/processes.js";
import { type Check, createTenant, type Scenario, streamWithFault } from "../lib/scenario.js";
import type { Stack } from "../lib/stack.js";

const DOWN_MS = 3_000;

export const postgresRestart: Scenario = {
  name: "Postgres restart",
  fast: false,
  ownPostgres: true,
  async run(ctx) {
    const tenant = await createTenant(ctx.stack, "postgres");
    const postgres = ctx.postgres;
    if (!postgres) throw new Error("the Postgres scenario needs a cluster of its own");
    return streamWithFault(ctx, "Postgres restart", [tenant], async () => {
      const checks: Check[] = [];
      await postgres.restart(DOWN_MS, async () => {
        await sleep(300);
        checks.push(await readinessWhileDown(ctx.stack));
        checks.push(await ingestWhileDown(ctx.stack, tenant.appId));
      });
      const back = Date.now();
      await waitFor(async () => (await fetch(`${ctx.stack.apiUrl}/readyz`)).ok, {
        timeoutMs: 30_000,
        what: "readiness after the restart",
      });
      checks.push({
        name: "readiness recovered by itself",
        ok: true,
        detail: `ready ${Date.now() - back} ms after Postgres was back`,
      });
      return { checks, notes: [`Postgres down ${DOWN_MS} ms (pg_ctl stop -m fast, then start)`] };
    });
  },
};

async function readinessWhileDown(stack: Stack): Promise<Check> {
  const started = Date.now();
  try {
    const response = await fetch(`${stack.apiUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const type = response.headers.get("content-type") ?? "";
    const ms = Date.now() - started;
    return {
      name: "readiness says 503 problem+json while Postgres is down",
      ok: response.status === 503 && type.includes("application/problem+json") && ms < 3_000,
      detail: `${response.status} ${type} in ${ms} ms`,
    };
  } catch (error) {
    return {
      name: "readiness says 503 problem+json while Postgres is down",
      ok: false,
      detail: String(error),
    };
  }
}

async function ingestWhileDown(stack: Stack, appId: string): Promise<Check> {
  const started = Date.now();
  try {
    const response = await fetch(`${stack.apiUrl}/v1/applications/${appId}/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ eventType: "chaos.probe", payload: {} }),
      signal: AbortSignal.timeout(10_000),
    });
    const type = response.headers.get("content-type") ?? "";
    return {
      name: "the API answers 503 problem+json, not 500, while Postgres is down",
      ok: response.status === 503 && type.includes("application/problem+json"),
      detail: `${response.status} in ${Date.now() - started} ms`,
    };
  } catch (error) {
    return {
      name: "the API answers 503 problem+json, not 500, while Postgres is down",
      ok: false,
      detail: String(error),
    };
  }
}
