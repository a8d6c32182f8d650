// The receiver's own retry arithmetic, for the handler it runs in the background: exponential
// delays with jitter, so a struggling dependency is not hit by every event at the same moment.

export interface RetryOptions {
  /** Handler attempts in all, the first included. Default 5. */
  attempts?: number;
  /** Delay after the first failure; it doubles after each further one. Default 1000 ms. */
  baseDelayMs?: number;
  /** Ceiling of one delay. Default 60 000 ms. */
  maxDelayMs?: number;
  /** Spread of each delay, as a fraction of it (0.2 = ±20 %). Default 0.2. */
  jitter?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  jitter: 0.2,
};

/** The wait after failed attempt number `attempt` (1 = the first). `random` returns [0, 1). */
export function retryDelay(
  attempt: number,
  retry: Required<RetryOptions>,
  random: () => number = Math.random,
) {
  const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const spread = exponential * retry.jitter;
  return Math.max(0, Math.round(Math.min(retry.maxDelayMs, exponential - spread + random() * 2 * spread)));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
