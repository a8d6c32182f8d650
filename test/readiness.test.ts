// Readiness against a Postgres that really goes away: a cluster of this test's own (the shared one
// is never restarted) is stopped under a running API. The API must answer 503 problem+json, quickly,
// to readiness probes and to requests, never 500 and never hang; and recover by itself once
// Postgres is back.
import { randomBytes } from "node:crypto";
import { type RunningApi, startApi } from "@hookline/api";
import { createLogger, loadConfig } from "@hookline/core";
import { createApiKey, createDatabase, type Database, migrateDatabase } from "@hookline/db";
import { TEST_REDIS_URL } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OwnPostgres, startOwnPostgres } from "../chaos/lib/own-postgres.js";

let postgres: OwnPostgres;
let db: Database;
let api: RunningApi;
let adminKey: string;

beforeAll(async () => {
  postgres = await startOwnPostgres();
  const url = new URL(postgres.url);
  url.pathname = "/hookline_readiness";
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: url.toString(),
    REDIS_URL: TEST_REDIS_URL,
    HOOKLINE_QUEUE_PREFIX: `hl-test-${randomBytes(4).toString("hex")}`,
    HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "silent",
  });
  await migrateDatabase(config.databaseUrl);
  db = createDatabase({ url: config.databaseUrl, maxConnections: 5 });
  adminKey = (await createApiKey(db, { role: "admin", name: "readiness" })).key;
  api = await startApi({ config, db, logger: createLogger({ level: "silent", name: "test" }) }, { port: 0 });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await db?.$client.end().catch(() => {});
  await postgres?.stop();
});

async function timed(path: string, init: RequestInit = {}) {
  const started = Date.now();
  const response = await fetch(api.url + path, {
    ...init,
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    signal: AbortSignal.timeout(15_000),
  });
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    ms: Date.now() - started,
  };
}

/** Polls readiness until 200 (the API's Redis connection is up a moment after start). */
async function untilReady(timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await timed("/readyz");
  while (last.status !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await timed("/readyz");
  }
  expect(last.status).toBe(200);
}

describe("readiness while Postgres restarts", () => {
  it("answers 503 problem+json while Postgres is down, then recovers by itself", async () => {
    await untilReady();

    const whileDown: Array<Awaited<ReturnType<typeof timed>>> = [];
    await postgres.restart(2_000, async () => {
      whileDown.push(await timed("/readyz"));
      whileDown.push(
        await timed("/v1/applications", { method: "POST", body: JSON.stringify({ name: "x" }) }),
      );
      whileDown.push(await timed("/v1/applications"));
    });
    const [ready, create, list] = whileDown;
    expect(ready).toMatchObject({ status: 503, type: expect.stringContaining("application/problem+json") });
    // Bounded: readiness gives up on a dependency after 1.5 s.
    expect(ready?.ms).toBeLessThan(3_000);
    for (const answer of [create, list]) {
      expect(answer).toMatchObject({
        status: 503,
        type: expect.stringContaining("application/problem+json"),
      });
    }

    // No restart of the API: its pool reconnects on its own.
    await untilReady();
    const created = await timed("/v1/applications", {
      method: "POST",
      body: JSON.stringify({ name: "back" }),
    });
    expect(created.status).toBe(201);
  });
});
