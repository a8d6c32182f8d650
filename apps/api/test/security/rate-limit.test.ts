// The per-key rate limit on ingest: a burst over the limit gets 429 problem+json with Retry-After,
// a batch counts each of its events, other keys are unaffected, the bucket is shared by API
// instances (it lives in Redis), and when Redis is away ingest keeps working on Postgres alone.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { createLogger, loadConfig } from "@hookline/core";
import { createRequestConnection } from "@hookline/queue";
import { type Platform, startPlatform, TEST_REDIS_URL, waitFor } from "@hookline/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisRateLimiter } from "../../src/rate-limiter.js";

function memoryLog() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("ingest rate limit settings", () => {
  const key = randomBytes(32).toString("base64");

  it("defaults to 1000 per second per key with bursts of twice that", () => {
    expect(loadConfig({ HOOKLINE_ENCRYPTION_KEY: key }).ingestRateLimit).toEqual({
      perSecond: 1000,
      burst: 2000,
    });
  });

  it("takes a rate and a burst, and 0 turns the limit off", () => {
    const config = (env: Record<string, string>) => loadConfig({ HOOKLINE_ENCRYPTION_KEY: key, ...env });
    expect(
      config({ HOOKLINE_INGEST_RATE_LIMIT: "5", HOOKLINE_INGEST_RATE_BURST: "7" }).ingestRateLimit,
    ).toEqual({
      perSecond: 5,
      burst: 7,
    });
    expect(config({ HOOKLINE_INGEST_RATE_LIMIT: "0" }).ingestRateLimit).toBeNull();
    expect(() => config({ HOOKLINE_INGEST_RATE_LIMIT: "fast" })).toThrow(/HOOKLINE_INGEST_RATE_LIMIT/);
  });
});

describe("ingest rate limit through the API", () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({
      worker: false,
      env: { HOOKLINE_INGEST_RATE_LIMIT: "1", HOOKLINE_INGEST_RATE_BURST: "5" },
    });
  });
  afterAll(async () => {
    await platform?.close();
  });

  const send = (appId: string, key: string, n: number) =>
    platform.call("POST", `/v1/applications/${appId}/events`, {
      key,
      body: { eventType: "rate.test", payload: { n } },
    });

  it("answers 429 problem+json with Retry-After past the burst, creates no event for it, and leaves other keys alone", async () => {
    const tenant = await platform.createTenant("limited");
    const other = await platform.createTenant("other");
    for (let n = 0; n < 5; n++) expect((await send(tenant.appId, tenant.producerKey, n)).status).toBe(202);

    const refused = await send(tenant.appId, tenant.producerKey, 5);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body).toMatchObject({
      type: "/problems/rate-limited",
      title: expect.any(String),
      status: 429,
      detail: expect.stringMatching(/1 events per second/),
    });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);

    // Another application's producer, and the admin key on the same application, have their own buckets.
    expect((await send(other.appId, other.producerKey, 0)).status).toBe(202);
    expect((await send(tenant.appId, platform.adminKey, 6)).status).toBe(202);
    // Reads are not counted against the ingest limit.
    const list = await platform.call("GET", `/v1/applications/${tenant.appId}/events`, {
      key: tenant.producerKey,
    });
    expect(list.status).toBe(200);
    expect(list.body.data.map((event: { payload: { n: number } }) => event.payload.n).sort()).toEqual([
      0, 1, 2, 3, 4, 6,
    ]);

    // The bucket refills at the configured rate.
    await waitFor(async () => (await send(tenant.appId, tenant.producerKey, 7)).status === 202, {
      timeoutMs: (retryAfter + 2) * 1000,
      intervalMs: 250,
      what: "the bucket to refill",
    });
  });

  it("counts each event of a batch, refuses a batch the bucket cannot hold yet, and one larger than the burst at once", async () => {
    const tenant = await platform.createTenant("batches");
    const batch = (size: number, from: number) =>
      platform.call("POST", `/v1/applications/${tenant.appId}/events/batch`, {
        key: tenant.producerKey,
        body: {
          events: Array.from({ length: size }, (_, i) => ({
            eventType: "rate.test",
            payload: { n: from + i },
          })),
        },
      });
    expect((await batch(4, 0)).status).toBe(202);
    // One token of the burst of 5 is left: a batch of 2 waits, a single event passes.
    const refused = await batch(2, 4);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await send(tenant.appId, tenant.producerKey, 6)).status).toBe(202);

    const tooLarge = await batch(6, 7);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get("content-type")).toContain("application/problem+json");
    expect(tooLarge.body).toMatchObject({
      type: "/problems/payload-too-large",
      status: 413,
      detail: expect.stringMatching(/holds 6 events; an API key may send at most 5 at once/),
    });

    const list = await platform.call("GET", `/v1/applications/${tenant.appId}/events`, {
      key: tenant.producerKey,
    });
    expect(list.body.data.map((event: { payload: { n: number } }) => event.payload.n).sort()).toEqual([
      0, 1, 2, 3, 6,
    ]);
  });

  it("does not count requests the key may not make at all", async () => {
    const tenant = await platform.createTenant("partner-only");
    for (let n = 0; n < 8; n++) expect((await send(tenant.appId, tenant.partnerKey, n)).status).toBe(403);
    expect((await send(tenant.appId, tenant.producerKey, 0)).status).toBe(202);
  });
});

describe("Redis rate limiter", () => {
  const connections: Redis[] = [];
  const connection = (url = TEST_REDIS_URL) => {
    const redis = createRequestConnection(url);
    redis.on("error", () => {});
    connections.push(redis);
    return redis;
  };
  /** The API's connection fails fast instead of queueing, so commands wait until it is ready. */
  const readyConnection = async () => {
    const redis = connection();
    await new Promise((resolve) => redis.once("ready", resolve));
    return redis;
  };
  const silent = createLogger({ level: "silent", name: "test" });
  const prefix = `hl-test-rate-${randomBytes(4).toString("hex")}`;

  afterAll(async () => {
    const cleanup = await readyConnection();
    const keys = await cleanup.keys(`${prefix}:*`);
    if (keys.length > 0) await cleanup.del(...keys);
    for (const redis of connections) redis.disconnect();
  });

  it("shares one bucket between API instances on separate connections", async () => {
    const options = { keyPrefix: `${prefix}:shared`, limit: { perSecond: 0.1, burst: 3 }, logger: silent };
    const first = createRedisRateLimiter({ ...options, redis: await readyConnection() });
    const second = createRedisRateLimiter({ ...options, redis: await readyConnection() });
    expect(await first.take("key_a")).toEqual({ kind: "allowed", remaining: 2 });
    expect(await second.take("key_a")).toEqual({ kind: "allowed", remaining: 1 });
    expect(await first.take("key_a")).toEqual({ kind: "allowed", remaining: 0 });
    const limited = await second.take("key_a");
    expect(limited.kind).toBe("limited");
    // At 0.1 per second the next token is up to 10 s away.
    if (limited.kind === "limited") {
      expect(limited.retryAfterMs).toBeGreaterThan(9_000);
      expect(limited.retryAfterMs).toBeLessThanOrEqual(10_000);
    }
    expect((await first.take("key_b")).kind).toBe("allowed");
  });

  it("takes several tokens at once, all or none", async () => {
    const limiter = createRedisRateLimiter({
      redis: await readyConnection(),
      keyPrefix: `${prefix}:cost`,
      limit: { perSecond: 0.1, burst: 5 },
      logger: silent,
    });
    expect(await limiter.take("key_a", 3)).toEqual({ kind: "allowed", remaining: 2 });
    const limited = await limiter.take("key_a", 3);
    expect(limited.kind).toBe("limited");
    // One token short, at one per 10 s.
    if (limited.kind === "limited") {
      expect(limited.retryAfterMs).toBeGreaterThan(9_000);
      expect(limited.retryAfterMs).toBeLessThanOrEqual(10_000);
    }
    // The refused take left its tokens in the bucket.
    expect(await limiter.take("key_a", 2)).toEqual({ kind: "allowed", remaining: 0 });
    expect((await limiter.take("key_a")).kind).toBe("limited");
  });

  it("lets requests through and warns once when Redis refuses connections", async () => {
    const log = memoryLog();
    const limiter = createRedisRateLimiter({
      redis: connection(`redis://127.0.0.1:${await freePort()}`),
      keyPrefix: `${prefix}:down`,
      limit: { perSecond: 1, burst: 1 },
      logger: createLogger({ level: "warn", name: "test", destination: log.destination }),
    });
    for (let i = 0; i < 5; i++) expect(await limiter.take("key_a")).toEqual({ kind: "unknown" });
    const warnings = log.lines.filter((line) => line.includes("rate limiter cannot reach Redis"));
    expect(warnings).toHaveLength(1);
  });

  it("lets requests through when Redis accepts the connection but never answers", async () => {
    const sockets: import("node:net").Socket[] = [];
    const blackHole: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = blackHole.address() as AddressInfo;
      const limiter = createRedisRateLimiter({
        redis: connection(`redis://127.0.0.1:${port}`),
        keyPrefix: `${prefix}:hang`,
        limit: { perSecond: 1, burst: 1 },
        logger: silent,
        timeoutMs: 200,
      });
      expect(await limiter.take("key_a")).toEqual({ kind: "unknown" });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });
});

describe("ingest without Redis", () => {
  it("keeps accepting events into Postgres when Redis dies, logging that the limiter failed open", async () => {
    const port = await freePort();
    const redis = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    const log = memoryLog();
    let platform: Platform | undefined;
    try {
      await waitFor(async () => {
        const probe = new Redis(`redis://127.0.0.1:${port}`, {
          lazyConnect: true,
          retryStrategy: () => null,
        });
        probe.on("error", () => {});
        try {
          await probe.connect();
          return (await probe.ping()) === "PONG";
        } finally {
          probe.disconnect();
        }
      });
      platform = await startPlatform({
        worker: false,
        env: { REDIS_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: "warn" },
        logDestination: log.destination,
      });
      const tenant = await platform.createTenant();
      const path = `/v1/applications/${tenant.appId}/events`;
      const body = { eventType: "no.redis", payload: {} };
      expect((await platform.call("POST", path, { key: tenant.producerKey, body })).status).toBe(202);

      redis.kill("SIGKILL");
      await new Promise((resolve) => redis.once("exit", resolve));
      for (let i = 0; i < 3; i++) {
        const accepted = await platform.call("POST", path, { key: tenant.producerKey, body });
        expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
      }
      const stored = await platform.call("GET", path, { key: tenant.producerKey });
      expect(stored.body.data).toHaveLength(4);
      expect(log.lines.some((line) => line.includes("rate limiter cannot reach Redis"))).toBe(true);
    } finally {
      if (redis.exitCode === null) redis.kill("SIGKILL");
      await platform?.close();
    }
  });
});
