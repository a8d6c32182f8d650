// Closed-loop HTTP load: a fixed number of connections, each sending its next request as soon as
// the previous one is answered; throughput and latency at that concurrency. Driven with undici
// rather than autocannon: autocannon reports whole seconds (a run of `amount` requests lasts until
// its next one-second tick) and drops the answers still in flight when a timed run stops, and the
// ledger must see every accepted event. Every answer is read; percentiles are exact.
import { Pool } from "undici";
import { round, summarize } from "./stats.js";

export type ClosedLoopOptions = {
  url: string;
  connections: number;
  /** Run this long (seconds), or send `amount` requests. */
  durationS?: number | undefined;
  amount?: number | undefined;
  /** Requests sent and answered first, outside the figures (JIT, pools, connections). */
  warmup?: number;
  headers: Record<string, string>;
  body: string;
  /** Called when the warm-up is over and the measured part starts. */
  onMeasuredStart?: () => Promise<void> | void;
  /** Sees every answer, warm-up included (the ledger collects accepted ids from it). */
  onResponse?: (status: number, body: string) => void;
};

export type ClosedLoopResult = {
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  durationS: number;
};

export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const url = new URL(options.url);
  const pool = new Pool(url.origin, { connections: options.connections, keepAliveTimeout: 30_000 });
  const headers = { "content-type": "application/json", ...options.headers };
  try {
    if (options.warmup) await drive(pool, url.pathname, headers, options, { amount: options.warmup });
    await options.onMeasuredStart?.();
    return await drive(pool, url.pathname, headers, options, {
      amount: options.amount,
      durationS: options.amount ? undefined : (options.durationS ?? 10),
    });
  } finally {
    await pool.close();
  }
}

async function drive(
  pool: Pool,
  path: string,
  headers: Record<string, string>,
  options: ClosedLoopOptions,
  limit: { amount?: number | undefined; durationS?: number | undefined },
): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  let issued = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline =
    limit.durationS === undefined ? Number.POSITIVE_INFINITY : started + limit.durationS * 1000;
  const more = () => (limit.amount === undefined ? performance.now() < deadline : issued < limit.amount);

  async function connection() {
    while (more()) {
      issued++;
      const sent = performance.now();
      try {
        const response = await pool.request({ method: "POST", path, headers, body: options.body });
        const text = await response.body.text();
        const ms = performance.now() - sent;
        if (response.statusCode >= 200 && response.statusCode < 300) latencies.push(ms);
        else non2xx++;
        options.onResponse?.(response.statusCode, text);
      } catch {
        errors++;
      }
    }
  }
  await Promise.all(Array.from({ length: options.connections }, connection));
  const seconds = (performance.now() - started) / 1000;
  const latency = summarize(latencies);
  return {
    requests: latencies.length + non2xx,
    perSecond: round((latencies.length + non2xx) / seconds),
    p50: latency.p50,
    p90: latency.p90,
    p99: latency.p99,
    max: latency.max,
    non2xx,
    errors,
    durationS: round(seconds, 3),
  };
}
