// How long a delivery job waits when its endpoint cannot take it yet (circuit open, or as many
// requests in flight as the endpoint's cap allows). A deferred job leaves its worker slot and comes
// back later; it is not an attempt. Pure, with the randomness injected.

/** Longest pause for a job waiting on a full endpoint: past this, re-checking costs little. */
export const MAX_CAPACITY_DEFERRAL_MS = 5_000;
const FIRST_CAPACITY_DEFERRAL_MS = 100;

/**
 * A job that found its endpoint at capacity for the `deferrals`-th time in a row (0 = first) waits
 * twice as long as the time before, capped, with ±50 % jitter: a fast endpoint at its cap frees a
 * slot within milliseconds, a hanging one only after the request timeout, and backing off keeps the
 * jobs of a hanging endpoint from cycling through the workers.
 */
export function capacityDeferralMs(deferrals: number, random: () => number = Math.random): number {
  const base = Math.min(
    FIRST_CAPACITY_DEFERRAL_MS * 2 ** Math.max(0, Math.min(deferrals, 16)),
    MAX_CAPACITY_DEFERRAL_MS,
  );
  return Math.round(base * (0.5 + random()));
}

/**
 * A job that found the circuit open waits until it may close, plus a spread, so the backlog of a
 * recovering endpoint comes back over a while instead of all at once.
 */
export function circuitDeferralMs(waitMs: number, random: () => number = Math.random): number {
  const spread = Math.min(Math.max(waitMs * 0.1, 200), 3_000);
  return Math.round(Math.max(waitMs, 0) + random() * spread);
}
