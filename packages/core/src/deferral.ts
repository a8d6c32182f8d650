// How long a delivery job waits when its endpoint cannot take it yet (circuit open, or as many
// requests in flight as the endpoint's cap allows). A deferred job leaves its worker slot and comes
// back later; it is not an attempt. Pure, with the randomness injected.

/** Longest pause for a job waiting on a full endpoint: past this, re-checking costs little. */
export const MAX_CAPACITY_DEFERRAL_MS = 5_000;
const FIRST_CAPACITY_DEFERRAL_MS = 100;

/** A request out this long means the endpoint is slow or hanging, not busy. */
export const SLOW_REQUEST_MS = 1_000;

/**
 * A job that found its endpoint at capacity for the `deferrals`-th time in a row (0 = first) waits
 * twice as long as the time before, capped, with ±50 % jitter: a fast endpoint at its cap frees a
 * slot within milliseconds. When the endpoint's oldest request in flight (`oldest`) has been out for
 * a while, or the endpoint hung recently (`hangingSeen`), no slot frees before that request ends, at
 * the latest at its timeout: the job waits that long. Either way the jobs of a hanging endpoint do
 * not cycle through the workers that the healthy endpoints need.
 *
 * Why the memory: a hanging endpoint's requests time out together, its slots free together, and the
 * next requests it takes are young. Judged by their age alone, its backlog (every job deferred
 * until that timeout, all back at once) would cycle through the workers on short back-offs until
 * the new requests turned old: in the bench, a few hundred jobs cycling three or four times in a
 * second, stalling the healthy endpoints' deliveries. The return is spread over a fifth of the
 * timeout for the same reason: only `maxInFlight` of the backlog can go when the slots free.
 */
export function capacityDeferralMs(
  deferrals: number,
  random: () => number = Math.random,
  oldest?: { inFlightMs: number; timeoutMs: number; hangingSeen?: boolean },
): number {
  const base = Math.min(
    FIRST_CAPACITY_DEFERRAL_MS * 2 ** Math.max(0, Math.min(deferrals, 16)),
    MAX_CAPACITY_DEFERRAL_MS,
  );
  const backoff = Math.round(base * (0.5 + random()));
  if (!oldest || (oldest.inFlightMs < SLOW_REQUEST_MS && !oldest.hangingSeen)) return backoff;
  const untilTimeout = oldest.timeoutMs - oldest.inFlightMs;
  const spread = Math.min(Math.max(oldest.timeoutMs / 5, 500), MAX_CAPACITY_DEFERRAL_MS);
  return Math.max(backoff, Math.round(untilTimeout + random() * spread));
}

/**
 * The one job per cool-down that will send the probe waits until the circuit may close, plus a
 * little spread.
 */
export function circuitDeferralMs(waitMs: number, random: () => number = Math.random): number {
  const spread = Math.min(Math.max(waitMs * 0.1, 200), 3_000);
  return Math.round(Math.max(waitMs, 0) + random() * spread);
}

/**
 * Every other job behind an open circuit parks for a long while: the worker that sees the probe
 * succeed (or the endpoint disabled) wakes them all at once, so their own timer is only the safety
 * net for a wake-up that got lost. Sleeping through whole cool-downs, instead of coming back at
 * each, keeps a dead endpoint's growing backlog from cycling through the workers that the healthy
 * endpoints need; the spread keeps the safety-net wake-ups from arriving together.
 */
export function parkedDeferralMs(
  waitMs: number,
  maxCoolDownMs: number,
  random: () => number = Math.random,
): number {
  return Math.round(Math.max(waitMs, 0) + maxCoolDownMs * (1 + random()));
}

/**
 * How long a job that found its endpoint's slots all taken is worth waiting in-process for one to
 * free. While the endpoint's requests in flight are all young, it is busy, not slow: a slot frees in
 * milliseconds, and deferring through the queue (a Redis round trip, a re-read, a wake-up later)
 * costs more than the wait. Waiting ends at the latest when the oldest of them turns
 * `SLOT_WAIT_WINDOW_MS` old, so a hanging endpoint holds waiting worker slots for at most that long
 * after its first request hung; from then on its jobs are deferred at once, as before.
 * `oldestInFlightMs`: how long the endpoint's oldest request in flight has been out. `slowSeen`: how
 * long ago this endpoint was last seen slow, and for how long that is remembered. A hanging
 * endpoint's requests time out together, its slots free together and its new requests are young
 * again: without the memory its jobs would wait in worker slots once more at every timeout.
 * 0 = defer now.
 */
export function slotWaitMs(oldestInFlightMs: number, slowSeen?: { agoMs: number; memoryMs: number }): number {
  if (slowSeen && slowSeen.agoMs < slowSeen.memoryMs) return 0;
  const remaining = SLOT_WAIT_WINDOW_MS - Math.max(0, oldestInFlightMs);
  return remaining >= MIN_SLOT_WAIT_MS ? remaining : 0;
}

/** Past this age a request in flight makes its endpoint slow: jobs over its cap stop waiting. */
export const SLOT_WAIT_WINDOW_MS = 200;
/** Shorter waits are not worth a timer and another look in Redis: defer instead. */
const MIN_SLOT_WAIT_MS = 5;
