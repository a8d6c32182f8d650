// Endpoint isolation in front of every send: a cap on requests in flight per endpoint in this worker
// process, and a circuit breaker per endpoint shared by all worker processes through Redis.
//
// The cap is what keeps a hanging endpoint to its share of this process's worker slots, so it is
// counted here, in memory: no Redis round trip on a healthy delivery's path (two per delivery when the
// count lived in Redis, nearly half the cost of a delivery in the bench's drain), nothing to lease or
// reclaim when a worker dies. A job over the cap of an endpoint whose requests are all young (busy,
// not slow) waits for a slot, handed to it when one frees (`slotWaitMs`); otherwise the job is
// deferred (no attempt is recorded) and comes back later.
//
// The breaker's rules are the pure ones of @hookline/core; its state lives in Redis, swapped
// atomically, so every process pauses a failing endpoint together. A closed, clean breaker (what a
// healthy endpoint has) is trusted from memory for `CLEAN_BREAKER_TRUST_MS`; any other state is read
// from Redis at every use.
import {
  admit,
  afterAttempt,
  type BreakerOptions,
  type BreakerState,
  type BreakerTransition,
  breakerTtlMs,
  capacityDeferralMs,
  circuitDeferralMs,
  isClosedAndClean,
  parkedDeferralMs,
  parseBreakerState,
  SLOT_WAIT_WINDOW_MS,
  SLOW_REQUEST_MS,
  serializeBreakerState,
  slotWaitMs,
} from "@hookline/core";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { GATE_SCRIPTS, runScript } from "./endpoint-gate-scripts.js";

export type GateVerdict =
  | { kind: "go"; pass: GatePass }
  | { kind: "wait"; waitMs: number; reason: "circuit-open" | "at-capacity" };

/** Held while one request is out; `leave` must be called once it is over. */
export type GatePass = {
  /** This request is the half-open circuit's probe. */
  probe: boolean;
  /** Frees the slot and tells the breaker how the request went (`succeeded`: a 2xx answer; null:
   * no verdict on the endpoint, e.g. the worker itself cut the request short). */
  leave(succeeded: boolean | null): Promise<void>;
};

export type EndpointGate = {
  enter(endpointId: string, deliveryId: string): Promise<GateVerdict>;
  /** The deliveries that were waiting for the endpoint's circuit to close, forgotten once taken:
   * on recovery the worker makes them due at once instead of letting them sleep out their wait. */
  takeParked(endpointId: string): Promise<string[]>;
  /** Forgets the endpoint's breaker: it changed (a fixed URL, re-enabled), so its past failures say
   * nothing about it now. */
  reset(endpointId: string): Promise<void>;
};

export type EndpointGateOptions = {
  redis: Redis;
  /** The queue prefix: keys live beside the queue's (and share its Redis Cluster hash tag). */
  prefix: string;
  /** Requests in flight per endpoint in this worker process. */
  maxInFlight: number;
  /** Longest a request can take (HOOKLINE_REQUEST_TIMEOUT): a probe not reported back a margin after
   * it is taken as lost (its worker died), and how long a hanging endpoint is remembered. */
  requestTimeoutMs: number;
  breaker: Omit<BreakerOptions, "probeLeaseMs">;
  /** Called once per breaker transition (by the worker that made it). */
  onTransition(endpointId: string, transition: BreakerTransition): void;
  logger: Logger;
  random?: () => number;
};

/** How long past the request timeout a probe is still taken as out. */
const PROBE_LEASE_MARGIN_MS = 5_000;
/** Most swap retries before giving up on a contended breaker update. */
const MAX_SWAPS = 8;
/** Per-process memories (deferral counts, slow and hanging sightings) are bounded: past this many
 * entries they are forgotten and start again. */
const MAX_TRACKED = 100_000;
/** How long this process trusts a clean breaker it read: a circuit another process opened is seen
 * at most this late (a few more requests to a failing endpoint), and a healthy endpoint's breaker is
 * read once per this period instead of once per delivery. */
export const CLEAN_BREAKER_TRUST_MS = 1_000;

type Slot = { startedAt: number };
type Waiter = (slot: Slot | undefined) => void;

export function createEndpointGate(options: EndpointGateOptions): EndpointGate {
  const { redis, prefix, logger } = options;
  const random = options.random ?? Math.random;
  const breakerOptions: BreakerOptions = {
    ...options.breaker,
    probeLeaseMs: options.requestTimeoutMs + PROBE_LEASE_MARGIN_MS,
  };
  const breakerKey = (endpointId: string) => `${prefix}:endpoint:${endpointId}:breaker`;
  const parkedKey = (endpointId: string) => `${prefix}:endpoint:${endpointId}:parked`;
  const alarmKey = (endpointId: string) => `${prefix}:endpoint:${endpointId}:probe-alarm`;

  /** Requests in flight per endpoint, oldest first (a Set keeps insertion order). */
  const inFlight = new Map<string, Set<Slot>>();
  /** Jobs waiting for a slot, per endpoint, first come first served. */
  const waiters = new Map<string, Waiter[]>();
  /** Breakers last read clean, and when (local clock). */
  const cleanBreakerReadAt = new Map<string, number>();
  const deferrals = new Map<string, number>();
  /** When this process last saw each endpoint slow (its oldest request in flight past the wait
   * window), and hanging (past `SLOW_REQUEST_MS`); both remembered for a request timeout. */
  const slowSeenAt = new Map<string, number>();
  const hangingSeenAt = new Map<string, number>();

  function remember<V>(memory: Map<string, V>, key: string, value: V) {
    if (memory.size >= MAX_TRACKED) memory.clear();
    memory.set(key, value);
  }

  /** When `memory` last saw the endpoint, if within a request timeout (older sightings are dropped). */
  function recall(memory: Map<string, number>, endpointId: string, at: number): number | undefined {
    const seen = memory.get(endpointId);
    if (seen === undefined || at - seen < options.requestTimeoutMs) return seen;
    memory.delete(endpointId);
    return undefined;
  }

  function takeSlot(endpointId: string, at: number): Slot {
    let slots = inFlight.get(endpointId);
    if (!slots) {
      slots = new Set();
      inFlight.set(endpointId, slots);
    }
    const slot = { startedAt: at };
    slots.add(slot);
    return slot;
  }

  /** Frees `slot`, or hands it on (as a fresh slot) to the first job waiting for one. */
  function freeSlot(endpointId: string, slot: Slot) {
    const slots = inFlight.get(endpointId);
    slots?.delete(slot);
    const next = waiters.get(endpointId)?.shift();
    if (waiters.get(endpointId)?.length === 0) waiters.delete(endpointId);
    if (next) next(takeSlot(endpointId, Date.now()));
    else if (slots?.size === 0) inFlight.delete(endpointId);
  }

  /** Resolves with a slot handed over when one frees, or with nothing after `ms`. */
  function waitForSlot(endpointId: string, ms: number): Promise<Slot | undefined> {
    return new Promise((resolve) => {
      let queue = waiters.get(endpointId);
      if (!queue) {
        queue = [];
        waiters.set(endpointId, queue);
      }
      const waiting = queue;
      const timer = setTimeout(() => {
        const index = waiting.indexOf(wake);
        if (index >= 0) waiting.splice(index, 1);
        if (waiting.length === 0 && waiters.get(endpointId) === waiting) waiters.delete(endpointId);
        resolve(undefined);
      }, ms);
      function wake(slot: Slot | undefined) {
        clearTimeout(timer);
        resolve(slot);
      }
      waiting.push(wake);
    });
  }

  /** How long a job over the cap is worth waiting here for a slot; 0 = defer it now. */
  function slotWait(endpointId: string, oldestInFlightMs: number, at: number): number {
    if (oldestInFlightMs >= SLOT_WAIT_WINDOW_MS) {
      remember(slowSeenAt, endpointId, at);
      return 0;
    }
    const seen = recall(slowSeenAt, endpointId, at);
    return slotWaitMs(
      oldestInFlightMs,
      seen === undefined ? undefined : { agoMs: at - seen, memoryMs: options.requestTimeoutMs },
    );
  }

  function deferForCapacity(endpointId: string, deliveryId: string, oldestInFlightMs: number, at: number) {
    const count = deferrals.get(deliveryId) ?? 0;
    remember(deferrals, deliveryId, count + 1);
    if (oldestInFlightMs >= SLOW_REQUEST_MS) remember(hangingSeenAt, endpointId, at);
    const oldest = {
      inFlightMs: oldestInFlightMs,
      timeoutMs: options.requestTimeoutMs,
      hangingSeen: recall(hangingSeenAt, endpointId, at) !== undefined,
    };
    return {
      kind: "wait",
      waitMs: capacityDeferralMs(count, random, oldest),
      reason: "at-capacity",
    } as const satisfies GateVerdict;
  }

  /** The breaker as [Redis time, stored JSON or null]; a clean one read lately comes from memory
   * (with the local clock, which a closed breaker does not look at). */
  async function readBreaker(endpointId: string, fresh = false): Promise<[number, string | null]> {
    const at = Date.now();
    const readAt = cleanBreakerReadAt.get(endpointId);
    if (!fresh && readAt !== undefined && at - readAt < CLEAN_BREAKER_TRUST_MS) return [at, null];
    const [now, stored] = (await runScript(redis, GATE_SCRIPTS.read, [breakerKey(endpointId)], [])) as [
      number,
      string | null,
    ];
    noteBreaker(endpointId, stored || null);
    return [now, stored || null];
  }

  function noteBreaker(endpointId: string, stored: string | null) {
    if (stored === null) remember(cleanBreakerReadAt, endpointId, Date.now());
    else cleanBreakerReadAt.delete(endpointId);
  }

  /** Swaps the stored breaker from `stored` to `next`; false when another worker changed it first. */
  async function swap(endpointId: string, stored: string | null, next: BreakerState, now: number) {
    const text = isClosedAndClean(next) ? "" : serializeBreakerState(next);
    if (text === (stored ?? "")) return true;
    const swapped = await runScript(
      redis,
      GATE_SCRIPTS.swap,
      [breakerKey(endpointId)],
      [stored ?? "", text, breakerTtlMs(next, now)],
    );
    if (swapped === 1) noteBreaker(endpointId, text || null);
    else cleanBreakerReadAt.delete(endpointId);
    return swapped === 1;
  }

  async function report(endpointId: string, succeeded: boolean) {
    // A success on a breaker known clean changes nothing: the healthy path stays off Redis.
    let [now, stored] = await readBreaker(endpointId, !succeeded);
    for (let tries = 0; tries < MAX_SWAPS; tries++) {
      const { next, transition } = afterAttempt(parseBreakerState(stored), succeeded, now, breakerOptions);
      if (await swap(endpointId, stored, next, now)) {
        if (transition) options.onTransition(endpointId, transition);
        return;
      }
      [now, stored] = await readBreaker(endpointId, true);
    }
    logger.warn({ endpointId }, "breaker update lost to contention; the next result will count");
  }

  function pass(endpointId: string, slot: Slot, probe: boolean): GatePass {
    let left = false;
    return {
      probe,
      async leave(succeeded) {
        if (left) return;
        left = true;
        freeSlot(endpointId, slot);
        if (succeeded === null) return;
        try {
          await report(endpointId, succeeded);
        } catch (error) {
          // The delivery's outcome matters more than this bookkeeping; the next result will count.
          logger.warn({ err: error, endpointId }, "could not update the endpoint's breaker after an attempt");
        }
      },
    };
  }

  /** Deferred behind an open circuit: one delivery per cool-down comes back when it ends, to probe;
   * the others park until the worker that sees the circuit close wakes them (their own timer is the
   * safety net). */
  async function park(endpointId: string, deliveryId: string, now: number, waitMs: number) {
    deferrals.delete(deliveryId);
    const ttlMs = waitMs + 2 * options.breaker.maxCoolDownMs + breakerOptions.probeLeaseMs;
    const prober = await runScript(
      redis,
      GATE_SCRIPTS.park,
      [parkedKey(endpointId), alarmKey(endpointId)],
      [deliveryId, ttlMs, String(now + waitMs)],
    );
    return {
      kind: "wait",
      waitMs:
        prober === 1
          ? circuitDeferralMs(waitMs, random)
          : parkedDeferralMs(waitMs, options.breaker.maxCoolDownMs, random),
      reason: "circuit-open",
    } as const satisfies GateVerdict;
  }

  async function enter(endpointId: string, deliveryId: string): Promise<GateVerdict> {
    // Waiting for a slot does not count as a try: only lost breaker swaps do.
    let tries = 0;
    while (tries < MAX_SWAPS) {
      const [now, stored] = await readBreaker(endpointId);
      const admission = admit(parseBreakerState(stored), now, breakerOptions);
      if (admission.verdict === "wait") return park(endpointId, deliveryId, now, admission.waitMs);

      const at = Date.now();
      if (!admission.probe) {
        const slots = inFlight.get(endpointId);
        if (!slots || slots.size < options.maxInFlight) {
          deferrals.delete(deliveryId);
          return { kind: "go", pass: pass(endpointId, takeSlot(endpointId, at), false) };
        }
        const oldest = slots.values().next().value as Slot;
        const oldestInFlightMs = at - oldest.startedAt;
        const waitMs = slotWait(endpointId, oldestInFlightMs, at);
        if (waitMs === 0) return deferForCapacity(endpointId, deliveryId, oldestInFlightMs, at);
        const handed = await waitForSlot(endpointId, waitMs);
        if (handed) {
          deferrals.delete(deliveryId);
          return { kind: "go", pass: pass(endpointId, handed, false) };
        }
        continue;
      }
      // Half-open: claim the one probe. Losing the swap means another worker changed the breaker
      // (took the probe, or reported a result): look again.
      if (!(await swap(endpointId, stored, admission.next, now))) {
        tries++;
        continue;
      }
      deferrals.delete(deliveryId);
      logger.info({ endpointId, deliveryId }, "circuit half-open: sending a probe");
      // The probe goes even over the cap: the slots are held by requests from before the outage.
      return { kind: "go", pass: pass(endpointId, takeSlot(endpointId, at), true) };
    }
    return deferForCapacity(endpointId, deliveryId, 0, Date.now());
  }

  async function takeParked(endpointId: string): Promise<string[]> {
    return (await runScript(redis, GATE_SCRIPTS.takeParked, [parkedKey(endpointId)], [])) as string[];
  }

  async function reset(endpointId: string): Promise<void> {
    cleanBreakerReadAt.delete(endpointId);
    await runScript(redis, GATE_SCRIPTS.reset, [breakerKey(endpointId), alarmKey(endpointId)], []);
  }

  return { enter, takeParked, reset };
}
