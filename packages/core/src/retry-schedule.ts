// What happens after an attempt: the pure retry policy of DESIGN.md ("Retry policy").
// The schedule is data (delays after the first try); this file only does arithmetic over it.

/** Delays after the first try, in ms: the Standard Webhooks example schedule (about 3 days). */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
];

export const JITTER_RATIO = 0.2;

/** What one HTTP try came to, as far as the retry policy cares. */
export type AttemptResult =
  | { kind: "success"; statusCode: number }
  | { kind: "http-error"; statusCode: number; retryAfterMs?: number }
  | { kind: "network-error"; errorClass: string };

export type NextStep =
  | { kind: "done" }
  | { kind: "retry"; delayMs: number }
  | { kind: "dead"; reason: string }
  | { kind: "gone"; reason: string };

/**
 * Decides what follows attempt number `attemptNumber` (1 = the first try).
 * `random` is injected so tests can pin the jitter; it must return values in [0, 1).
 */
export function nextStep(
  result: AttemptResult,
  attemptNumber: number,
  schedule: readonly number[],
  random: () => number = Math.random,
): NextStep {
  if (result.kind === "success") return { kind: "done" };
  if (result.kind === "http-error" && result.statusCode === 410) {
    return { kind: "gone", reason: "endpoint answered 410 Gone" };
  }
  const step = schedule[attemptNumber - 1];
  if (step === undefined) {
    return { kind: "dead", reason: `${describe(result)} after ${attemptNumber} attempts` };
  }
  if (result.kind === "http-error" && result.retryAfterMs !== undefined) {
    // Honour Retry-After, but never wait past the step after next: a hostile or confused
    // receiver must not park a delivery for days.
    const cap = schedule[attemptNumber] ?? step;
    return { kind: "retry", delayMs: Math.min(Math.max(result.retryAfterMs, 0), Math.max(cap, step)) };
  }
  return { kind: "retry", delayMs: withJitter(step, random) };
}

export function withJitter(delayMs: number, random: () => number = Math.random): number {
  const spread = delayMs * JITTER_RATIO;
  return Math.round(delayMs - spread + random() * 2 * spread);
}

export function describe(result: AttemptResult): string {
  switch (result.kind) {
    case "success":
      return `HTTP ${result.statusCode}`;
    case "http-error":
      return `HTTP ${result.statusCode}`;
    case "network-error":
      return result.errorClass;
  }
}

/** Parses an HTTP Retry-After value (seconds or an HTTP date) into ms from `now`. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
