// Closed-loop HTTP load with autocannon: a fixed number of connections, each sending its next
// request when the previous one is answered. Gives throughput and latency at that concurrency.
import autocannon from "autocannon";
import { round } from "./stats.js";

export type ClosedLoopOptions = {
  url: string;
  connections: number;
  /** Seconds, or a fixed number of requests with `amount`. */
  durationS?: number;
  amount?: number;
  headers: Record<string, string>;
  body: string;
  /** Sees every answer (the ledger collects accepted ids from it). */
  onResponse?: (status: number, body: string) => void;
};

export type ClosedLoopResult = {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  durationS: number;
};

/**
 * Runs for about `durationS` as a fixed number of requests (sized by a short calibration run), so
 * that every request's answer is seen: a timed autocannon run drops the answers still in flight
 * when it stops, and the ledger must know about every accepted event.
 */
export async function runTimedClosedLoop(
  options: ClosedLoopOptions & { durationS: number },
): Promise<ClosedLoopResult> {
  const calibration = await runClosedLoop({
    ...options,
    durationS: undefined,
    amount: options.connections * 50,
  });
  const amount = Math.max(options.connections * 10, Math.round(calibration.perSecond * options.durationS));
  return runClosedLoop({ ...options, durationS: undefined, amount });
}

export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const url = new URL(options.url);
  let answered = 0;
  const result = await autocannon({
    url: url.origin,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationS ?? 10 }),
    timeout: 30,
    requests: [
      {
        method: "POST",
        path: url.pathname,
        headers: { "content-type": "application/json", ...options.headers },
        body: options.body,
        onResponse: (status, body) => {
          answered++;
          options.onResponse?.(status, body);
        },
      },
    ],
  });
  return {
    requests: answered,
    perSecond: round(answered / result.duration),
    p50: round(result.latency.p50, 2),
    p99: round(result.latency.p99, 2),
    max: round(result.latency.max, 2),
    non2xx: result.non2xx,
    errors: result.errors,
    durationS: round(result.duration, 2),
  };
}
