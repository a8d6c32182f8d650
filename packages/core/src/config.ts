// All configuration, parsed once at start-up from the environment. A bad value stops the process
// with a message that names the variable. Nothing else in Hookline reads process.env.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import { z } from "zod";
import { parseDuration, parseDurationList } from "./duration.js";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./retry-schedule.js";

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: `"${text}" is not a duration (e.g. 250ms, 5s, 5m)` });
        return z.NEVER;
      }
      return ms;
    });

const list = z
  .string()
  .default("")
  .transform((text) =>
    text
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

const base64Key = z.string().transform((text, ctx) => {
  const key = Buffer.from(text, "base64");
  if (key.length !== 32) {
    ctx.addIssue({ code: "custom", message: "must be 32 bytes, base64-encoded (openssl rand -base64 32)" });
    return z.NEVER;
  }
  return key;
});

/** The environment variables Hookline reads, with their defaults. */
export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Postgres; the database is created on start if it is missing. */
  DATABASE_URL: z.url().default("postgres://root@127.0.0.1:5432/hookline"),
  /** Redis for BullMQ and pub/sub. */
  REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  /** API port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Bootstrap admin key; generated and printed once when unset. */
  HOOKLINE_ADMIN_KEY: z.string().min(20).optional(),
  /** 32 bytes, base64: seals endpoint secrets at rest. Required in production. */
  HOOKLINE_ENCRYPTION_KEY: base64Key.optional(),
  /** Former encryption keys, comma-separated: still open old rows while they are re-sealed. */
  HOOKLINE_ENCRYPTION_KEYS_RETIRED: list.pipe(z.array(base64Key)),
  /** CIDRs and host names exempt from the SSRF guard (local receivers in development and tests). */
  HOOKLINE_ALLOWED_DESTINATIONS: list,
  /** Only https endpoint URLs are accepted. */
  HOOKLINE_HTTPS_ONLY: z.stringbool().default(false),
  /** Delays after the first try. */
  HOOKLINE_RETRY_SCHEDULE: z
    .string()
    .default(DEFAULT_RETRY_SCHEDULE_MS.map((ms) => `${ms}ms`).join(","))
    .transform((text, ctx) => {
      try {
        return parseDurationList(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Deliveries in flight per worker process. */
  HOOKLINE_WORKER_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(availableParallelism() * 50),
  /** Largest accepted event payload (bytes of JSON). */
  HOOKLINE_MAX_PAYLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(256 * 1024),
  /** Largest body of a batch ingest request (bytes); each event in it also obeys the payload limit. */
  HOOKLINE_MAX_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  /** Single-event ingest statements each API instance has in flight at once. Requests that arrive
   * while all are busy wait and share the next statement and commit (group commit): one round trip,
   * one WAL flush and one Redis call for the group. 1 groups the most (the API's cheapest per event,
   * docs/performance.md finding 20); higher trades grouping for parallel commits. */
  HOOKLINE_INGEST_WRITERS: z.coerce.number().int().min(1).max(100).default(1),
  /** How long the API trusts an API key it has looked up before asking Postgres again: a revoked
   * key keeps working for at most this long on each API instance. "0s" looks every request up. */
  HOOKLINE_AUTH_CACHE_TTL: duration("5s"),
  /** Events per second each API key may send (token bucket in Redis, shared by all API instances);
   * 0 turns the limit off. Over it, ingest answers 429 with Retry-After. */
  HOOKLINE_INGEST_RATE_LIMIT: z.coerce.number().min(0).default(1000),
  /** Events one key may send at once before the per-second rate applies; default twice the rate. */
  HOOKLINE_INGEST_RATE_BURST: z.coerce.number().int().min(1).optional(),
  /** Largest request head (request line plus headers) the API reads, in bytes; larger gets 431. */
  HOOKLINE_MAX_HEADER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(16 * 1024),
  /** Most request headers the API accepts; more gets 431. */
  HOOKLINE_MAX_HEADERS: z.coerce.number().int().min(10).max(2000).default(100),
  /** How long a client may take to send the request headers to the API. */
  HOOKLINE_API_HEADERS_TIMEOUT: duration("10s"),
  /** How long a client may take to send a whole request (headers and body) to the API. */
  HOOKLINE_API_REQUEST_TIMEOUT: duration("30s"),
  HOOKLINE_CONNECT_TIMEOUT: duration("5s"),
  HOOKLINE_REQUEST_TIMEOUT: duration("15s"),
  /** How long a rotated-out endpoint secret still signs. */
  HOOKLINE_SECRET_ROTATION_GRACE: duration("24h"),
  /** BullMQ key prefix; one per deployment (tests use one per file). */
  HOOKLINE_QUEUE_PREFIX: z.string().min(1).default("hookline"),
  /** How often the reconciler looks for due deliveries that have no job. */
  HOOKLINE_RECONCILE_INTERVAL: duration("10s"),
  /** How overdue a delivery must be before the reconciler re-enqueues it. */
  HOOKLINE_RECONCILE_GRACE: duration("30s"),
  /** Requests in flight to one endpoint from each worker process; a job over it waits without holding
   * a worker slot. Default: a quarter of HOOKLINE_WORKER_CONCURRENCY, so a hanging endpoint can take no
   * more than that share of any worker. */
  HOOKLINE_ENDPOINT_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).optional(),
  /** Consecutive failed attempts after which an endpoint's circuit opens (its deliveries pause). */
  HOOKLINE_BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(10_000).default(10),
  /** First pause of an open circuit before one probe is sent; each failed probe doubles it. */
  HOOKLINE_BREAKER_COOLDOWN: duration("30s"),
  /** Longest pause of an open circuit. */
  HOOKLINE_BREAKER_MAX_COOLDOWN: duration("10m"),
  /** An endpoint whose every attempt failed for this long is disabled (operational event
   * `endpoint.disabled`). */
  HOOKLINE_ENDPOINT_DISABLE_AFTER: duration("5d"),
  /** Where operational events (`endpoint.disabled`, `delivery.exhausted`, `endpoint.recovered`) are
   * delivered as signed webhooks; unset, they are only logged. */
  HOOKLINE_OPERATOR_WEBHOOK_URL: z.url().optional(),
  /** Signing secret for the operator webhook (whsec_…); unset, one is generated and kept (read it
   * with GET …/endpoints/{id}/secret of the `hookline-operations` application). */
  HOOKLINE_OPERATOR_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, "must be whsec_ followed by base64")
    .optional(),
  /** How long a stopping worker lets in-flight deliveries finish before it abandons them (they are
   * then re-run by another worker once their lock expires: sent again, never lost). */
  HOOKLINE_SHUTDOWN_TIMEOUT: duration("25s"),
  /** How long a worker's claim on a job lasts without renewal: after a crash (kill -9) its jobs run
   * elsewhere within about twice this. */
  HOOKLINE_JOB_LOCK_DURATION: duration("30s"),
  /** Outbound buffer of one stream connection (SSE or WebSocket), in bytes; past it the connection's
   * slow-consumer policy applies (`disconnect`, `drop-oldest`, `latest`). */
  HOOKLINE_STREAM_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .default(1024 * 1024),
  /** Lifetime of a stream token (`POST /v1/applications/{appId}/stream-tokens`, used as `?token=`). */
  HOOKLINE_STREAM_TOKEN_TTL: duration("10m"),
  /** Open streams (SSE and WebSocket together) one API key may hold on one API instance. */
  HOOKLINE_STREAM_MAX_CONNECTIONS_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(100),
  /** How far back streams replay: a resume from an older cursor gets a `gap` event first. */
  HOOKLINE_STREAM_RETENTION: duration("7d"),
  /** How often an API instance re-reads the log of an application it streams, besides the pub/sub
   * wake-ups: bounds the delay when a wake-up is lost or an unrelated transaction holds the horizon. */
  HOOKLINE_STREAM_POLL_INTERVAL: duration("1s"),
  /** Reconnect delay suggested to stream clients (SSE `retry:`), jittered ±50 %; on shutdown clients
   * are spread over 1–5 times it so a deploy causes no reconnect storm. */
  HOOKLINE_STREAM_RECONNECT_DELAY: duration("2s"),
  /** SSE keep-alive: a `: ping` comment this often. */
  HOOKLINE_STREAM_SSE_PING_INTERVAL: duration("15s"),
  /** WebSocket keep-alive: a ping frame this often. */
  HOOKLINE_STREAM_WS_PING_INTERVAL: duration("25s"),
  /** A WebSocket peer silent (no pong, no frame) for this long is dropped. */
  HOOKLINE_STREAM_WS_PEER_TIMEOUT: duration("35s"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Where the generated development encryption key is kept between restarts. */
  HOOKLINE_DEV_KEY_FILE: z.string().default(".hookline/encryption.key"),
});

export type Config = ReturnType<typeof toConfig>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment into a Config, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return toConfig(parsed.data);
}

function toConfig(env: z.infer<typeof configSchema>) {
  return {
    env: env.NODE_ENV,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    port: env.PORT,
    adminKey: env.HOOKLINE_ADMIN_KEY,
    encryptionKey: env.HOOKLINE_ENCRYPTION_KEY ?? developmentKey(env.NODE_ENV, env.HOOKLINE_DEV_KEY_FILE),
    retiredEncryptionKeys: env.HOOKLINE_ENCRYPTION_KEYS_RETIRED,
    allowedDestinations: env.HOOKLINE_ALLOWED_DESTINATIONS,
    httpsOnly: env.HOOKLINE_HTTPS_ONLY,
    retryScheduleMs: env.HOOKLINE_RETRY_SCHEDULE,
    workerConcurrency: env.HOOKLINE_WORKER_CONCURRENCY,
    maxPayloadBytes: env.HOOKLINE_MAX_PAYLOAD_BYTES,
    maxBatchBytes: env.HOOKLINE_MAX_BATCH_BYTES,
    ingestWriters: env.HOOKLINE_INGEST_WRITERS,
    authCacheTtlMs: env.HOOKLINE_AUTH_CACHE_TTL,
    ingestRateLimit:
      env.HOOKLINE_INGEST_RATE_LIMIT === 0
        ? null
        : {
            perSecond: env.HOOKLINE_INGEST_RATE_LIMIT,
            burst:
              env.HOOKLINE_INGEST_RATE_BURST ?? Math.max(1, Math.ceil(env.HOOKLINE_INGEST_RATE_LIMIT * 2)),
          },
    maxHeaderBytes: env.HOOKLINE_MAX_HEADER_BYTES,
    maxHeaders: env.HOOKLINE_MAX_HEADERS,
    apiHeadersTimeoutMs: env.HOOKLINE_API_HEADERS_TIMEOUT,
    apiRequestTimeoutMs: env.HOOKLINE_API_REQUEST_TIMEOUT,
    connectTimeoutMs: env.HOOKLINE_CONNECT_TIMEOUT,
    requestTimeoutMs: env.HOOKLINE_REQUEST_TIMEOUT,
    secretRotationGraceMs: env.HOOKLINE_SECRET_ROTATION_GRACE,
    queuePrefix: env.HOOKLINE_QUEUE_PREFIX,
    reconcileIntervalMs: env.HOOKLINE_RECONCILE_INTERVAL,
    reconcileGraceMs: env.HOOKLINE_RECONCILE_GRACE,
    endpointMaxInFlight:
      env.HOOKLINE_ENDPOINT_MAX_IN_FLIGHT ?? Math.max(1, Math.floor(env.HOOKLINE_WORKER_CONCURRENCY / 4)),
    breaker: {
      failureThreshold: env.HOOKLINE_BREAKER_THRESHOLD,
      coolDownMs: env.HOOKLINE_BREAKER_COOLDOWN,
      maxCoolDownMs: Math.max(env.HOOKLINE_BREAKER_MAX_COOLDOWN, env.HOOKLINE_BREAKER_COOLDOWN),
    },
    endpointDisableAfterMs: env.HOOKLINE_ENDPOINT_DISABLE_AFTER,
    operatorWebhook: env.HOOKLINE_OPERATOR_WEBHOOK_URL
      ? { url: env.HOOKLINE_OPERATOR_WEBHOOK_URL, secret: env.HOOKLINE_OPERATOR_WEBHOOK_SECRET }
      : null,
    shutdownTimeoutMs: env.HOOKLINE_SHUTDOWN_TIMEOUT,
    jobLockDurationMs: env.HOOKLINE_JOB_LOCK_DURATION,
    streams: {
      bufferBytes: env.HOOKLINE_STREAM_BUFFER_BYTES,
      tokenTtlMs: env.HOOKLINE_STREAM_TOKEN_TTL,
      maxConnectionsPerKey: env.HOOKLINE_STREAM_MAX_CONNECTIONS_PER_KEY,
      retentionMs: env.HOOKLINE_STREAM_RETENTION,
      pollIntervalMs: env.HOOKLINE_STREAM_POLL_INTERVAL,
      reconnectDelayMs: env.HOOKLINE_STREAM_RECONNECT_DELAY,
      ssePingIntervalMs: env.HOOKLINE_STREAM_SSE_PING_INTERVAL,
      wsPingIntervalMs: env.HOOKLINE_STREAM_WS_PING_INTERVAL,
      wsPeerTimeoutMs: env.HOOKLINE_STREAM_WS_PEER_TIMEOUT,
    },
    logLevel: env.LOG_LEVEL,
  };
}

/** For entry points: the config, or a message naming the bad variables and exit code 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/** Outside production a missing key is generated once and kept in a local file, so restarts can
 * still open the secrets sealed before. */
function developmentKey(nodeEnv: string, file: string): Buffer {
  if (nodeEnv === "production") {
    throw new ConfigError("invalid configuration:\n  HOOKLINE_ENCRYPTION_KEY: required in production");
  }
  if (existsSync(file)) return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  const key = randomBytes(32);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600 });
  return key;
}
