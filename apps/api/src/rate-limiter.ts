// Per-key rate limits shared by every API instance: a token bucket kept in Redis (GCRA: one number
// per key, updated by one atomic script on Redis's clock, so instances with skewed clocks agree).
// Redis is an accelerator here, not a dependency: when it is away or slow the request passes, because
// ingest must keep working on Postgres alone.
import { createHash } from "node:crypto";
import type { Logger } from "@hookline/core";
import type { Redis } from "ioredis";
import { HttpProblem } from "./problem.js";

export type RateLimit = {
  /** Sustained events per second per subject. */
  perSecond: number;
  /** Events a subject may send at once after being idle. */
  burst: number;
};

export type RateDecision =
  | { kind: "allowed"; remaining: number }
  | { kind: "limited"; retryAfterMs: number }
  /** Redis did not answer in time: the caller lets the request through. */
  | { kind: "unknown" };

export type RateLimiter = {
  readonly limit: RateLimit;
  /** Takes `cost` tokens (default 1; at most `limit.burst`) from `subject`'s bucket, all or none.
   * Never rejects. */
  take(subject: string, cost?: number): Promise<RateDecision>;
};

export type RedisRateLimiterOptions = {
  redis: Redis;
  /** Redis key prefix for the buckets, e.g. `hookline:rate-limit:ingest`. */
  keyPrefix: string;
  limit: RateLimit;
  logger: Logger;
  /** How long to wait for Redis before letting the request through (default 250 ms). */
  timeoutMs?: number;
  /** At most one "failing open" warning per this long (default 30 s): an outage must not flood logs. */
  warnEveryMs?: number;
};

// KEYS[1] bucket; ARGV[1] µs per token; ARGV[2] burst; ARGV[3] tokens to take. The stored value is
// the "theoretical arrival time": when the bucket would be full again. Returns {1, remaining} or
// {0, µs until all the tokens are there}.
const GCRA = `
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nextTat = tat + cost * interval
local allowAt = nextTat - burst * interval
if now < allowAt then return {0, allowAt - now} end
redis.call('SET', KEYS[1], string.format('%d', nextTat), 'PX', math.ceil((nextTat - now) / 1000) + 1000)
return {1, math.floor((now - allowAt) / interval)}
`;
const GCRA_SHA = createHash("sha1").update(GCRA).digest("hex");

/**
 * @example
 * const limiter = createRedisRateLimiter({ redis, keyPrefix: "hookline:rate-limit:ingest",
 *   limit: { perSecond: 100, burst: 200 }, logger });
 * const decision = await limiter.take(principal.keyId);
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { redis, limit, logger } = options;
  const intervalUs = Math.max(1, Math.ceil(1_000_000 / limit.perSecond));
  const timeoutMs = options.timeoutMs ?? 250;
  const warnEveryMs = options.warnEveryMs ?? 30_000;
  let lastWarning = 0;

  async function run(key: string, cost: number): Promise<[number, number]> {
    const args = [1, key, intervalUs, limit.burst, cost] as const;
    try {
      return (await redis.evalsha(GCRA_SHA, ...args)) as [number, number];
    } catch (error) {
      if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
      return (await redis.eval(GCRA, ...args)) as [number, number];
    }
  }

  return {
    limit,
    async take(subject, cost = 1) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        });
        const [allowed, value] = await Promise.race([run(`${options.keyPrefix}:${subject}`, cost), timeout]);
        return allowed === 1
          ? { kind: "allowed", remaining: value }
          : { kind: "limited", retryAfterMs: Math.ceil(value / 1000) };
      } catch (error) {
        if (Date.now() - lastWarning >= warnEveryMs) {
          lastWarning = Date.now();
          logger.warn({ err: error }, "rate limiter cannot reach Redis; letting requests through");
        }
        return { kind: "unknown" };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The limits routes can name in their declaration (`rateLimit: "ingest"`). */
export type RateLimitName = "ingest";

export type RateLimiters = Partial<Record<RateLimitName, RateLimiter>>;

/** Takes `events` tokens for `keyId`, or throws the 429 problem with Retry-After; more events than
 * the burst could never pass, so they get 413 at once instead of a wait that would not help. No
 * limiter: no limit. */
export async function enforceRateLimit(
  limiter: RateLimiter | undefined,
  keyId: string,
  events = 1,
): Promise<void> {
  if (!limiter) return;
  const { perSecond, burst } = limiter.limit;
  if (events > burst) {
    throw new HttpProblem(
      "payload-too-large",
      `this request holds ${events} events; an API key may send at most ${burst} at once here (${perSecond} per second); split it`,
    );
  }
  const decision = await limiter.take(keyId, events);
  if (decision.kind !== "limited") return;
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  throw new HttpProblem(
    "rate-limited",
    `this API key may send ${perSecond} events per second here (bursts of ${burst}); retry in ${seconds} s`,
    { retryAfterSeconds: seconds },
  );
}
