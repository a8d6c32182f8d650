// Endpoint isolation in front of every send: a cap on requests in flight per endpoint and a circuit
// breaker per endpoint, both kept in Redis so all worker processes share them. A job over the cap
// of an endpoint whose requests are all young (busy, not slow) waits in-process for a slot this
// process frees (`slotWaitMs`); otherwise, and behind an open circuit, the job is deferred (no
// attempt is recorded) and comes back later. The breaker's rules are the pure ones of @hookline/core; this file only keeps
// their state in Redis, swapping it atomically.
import { randomUUID } from "node:crypto";
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
  /** Requests in flight per endpoint across all workers. */
  maxInFlight: number;
  /** Longest a request can take (HOOKLINE_REQUEST_TIMEOUT): a slot or a probe not given back a
   * margin after it is taken as lost (its worker died). */
  requestTimeoutMs: number;
  breaker: Omit<BreakerOptions, "probeLeaseMs">;
  /** Called once per breaker transition (by the worker that made it). */
  onTransition(endpointId: string, transition: BreakerTransition): void;
  logger: Logger;
  random?: () => number;
};

/** How long past the request timeout a slot or probe is still taken as held. */
const LEASE_MARGIN_MS = 5_000;
/** Most swap retries before giving up on a contended breaker update. */
const MAX_SWAPS = 8;
/** Deferral counts are per process and only shape back-off; past this many, forget them all. */
const MAX_TRACKED_DEFERRALS = 100_000;

export function createEndpointGate(options: EndpointGateOptions): EndpointGate {
  const { redis, prefix, logger } = options;
  const random = options.random ?? Math.random;
  const leaseMs = options.requestTimeoutMs + LEASE_MARGIN_MS;
  const breakerOptions: BreakerOptions = { ...options.breaker, probeLeaseMs: leaseMs };
  const deferrals = new Map<string, number>();
  const keys = (endpointId: string) =>
    [`${prefix}:endpoint:${endpointId}:in-flight`, `${prefix}:endpoint:${endpointId}:breaker`] as const;
  const parkedKey = (endpointId: string) => `${prefix}:endpoint:${endpointId}:parked`;
  const alarmKey = (endpointId: string) => `${prefix}:endpoint:${endpointId}:probe-alarm`;
  /** When (local clock) this process last saw each endpoint slow: an oldest request in flight past
   * the wait window. Remembered for a request timeout (`slotWaitMs`). */
  const slowSeenAt = new Map<string, number>();
  /** When this process last deferred a job past the oldest request's timeout because that request
   * had been out for `SLOW_REQUEST_MS`: the endpoint hangs. Remembered for a request timeout
   * (`capacityDeferralMs`). */
  const hangingSeenAt = new Map<string, number>();

  function remember(memory: Map<string, number>, endpointId: string, at: number) {
    if (memory.size >= MAX_TRACKED_DEFERRALS) memory.clear();
    memory.set(endpointId, at);
  }

  /** Whether `memory` saw the endpoint within a request timeout (older sightings are forgotten). */
  function recall(memory: Map<string, number>, endpointId: string, at: number): number | undefined {
    const seen = memory.get(endpointId);
    if (seen === undefined || at - seen < options.requestTimeoutMs) return seen;
    memory.delete(endpointId);
    return undefined;
  }

  function slotWait(endpointId: string, oldestInFlightMs: number): number {
    const at = Date.now();
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

  /** Jobs of this process waiting for a slot, per endpoint, first come first woken. */
  const waiters = new Map<string, (() => void)[]>();

  /** Resolves when this process frees one of the endpoint's slots, or after `ms` (slots freed by
   * other processes are only seen then). */
  function waitForSlot(endpointId: string, ms: number): Promise<void> {
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
        resolve();
      }, ms);
      function wake() {
        clearTimeout(timer);
        resolve();
      }
      waiting.push(wake);
    });
  }

  function wakeOne(endpointId: string) {
    const queue = waiters.get(endpointId);
    if (!queue) return;
    const next = queue.shift();
    if (queue.length === 0) waiters.delete(endpointId);
    next?.();
  }

  /** Swaps the stored breaker from `stored` to `next`; false when another worker changed it first. */
  async function swap(key: string, stored: string | null, next: BreakerState, now: number) {
    const text = isClosedAndClean(next) ? "" : serializeBreakerState(next);
    if (text === (stored ?? "")) return true;
    const swapped = await runScript(
      redis,
      GATE_SCRIPTS.swap,
      [key],
      [stored ?? "", text, breakerTtlMs(next, now)],
    );
    return swapped === 1;
  }

  async function readBreaker(key: string): Promise<[number, string | null]> {
    const [now, stored] = (await runScript(redis, GATE_SCRIPTS.read, [key], [])) as [number, string | null];
    return [now, stored || null];
  }

  async function report(endpointId: string, succeeded: boolean, first: [number, string | null]) {
    const [, breakerKey] = keys(endpointId);
    let [now, stored] = first;
    for (let tries = 0; tries < MAX_SWAPS; tries++) {
      const { next, transition } = afterAttempt(parseBreakerState(stored), succeeded, now, breakerOptions);
      if (await swap(breakerKey, stored, next, now)) {
        if (transition) options.onTransition(endpointId, transition);
        return;
      }
      [now, stored] = await readBreaker(breakerKey);
    }
    logger.warn({ endpointId }, "breaker update lost to contention; the next result will count");
  }

  function pass(endpointId: string, member: string, probe: boolean): GatePass {
    let left = false;
    return {
      probe,
      async leave(succeeded) {
        if (left) return;
        left = true;
        try {
          const [inFlightKey, breakerKey] = keys(endpointId);
          const [now, stored] = (await runScript(
            redis,
            GATE_SCRIPTS.leave,
            [inFlightKey, breakerKey],
            [member],
          )) as [number, string | null];
          wakeOne(endpointId);
          if (succeeded !== null) await report(endpointId, succeeded, [now, stored || null]);
        } catch (error) {
          // The slot's lease frees it anyway; the delivery's outcome matters more than this bookkeeping.
          logger.warn({ err: error, endpointId }, "could not update endpoint gate after an attempt");
        }
      },
    };
  }

  /** `oldestExpiry`: the lease expiry of the endpoint's oldest request in flight (0: none). */
  function deferForCapacity(
    endpointId: string,
    deliveryId: string,
    now: number,
    oldestExpiry: number,
  ): GateVerdict {
    const count = deferrals.get(deliveryId) ?? 0;
    remember(deferrals, deliveryId, count + 1);
    let oldest: Parameters<typeof capacityDeferralMs>[2];
    if (oldestExpiry > 0) {
      const inFlightMs = now - (oldestExpiry - leaseMs);
      const at = Date.now();
      if (inFlightMs >= SLOW_REQUEST_MS) remember(hangingSeenAt, endpointId, at);
      const hangingSeen = recall(hangingSeenAt, endpointId, at) !== undefined;
      oldest = { inFlightMs, timeoutMs: options.requestTimeoutMs, hangingSeen };
    }
    return { kind: "wait", waitMs: capacityDeferralMs(count, random, oldest), reason: "at-capacity" };
  }

  async function enter(endpointId: string, deliveryId: string): Promise<GateVerdict> {
    const [inFlightKey, breakerKey] = keys(endpointId);
    // Waiting for a slot does not count as a try: only lost breaker swaps do.
    let tries = 0;
    while (tries < MAX_SWAPS) {
      const member = `${deliveryId}:${randomUUID()}`;
      const [now, storedRaw, taken, oldestExpiry] = (await runScript(
        redis,
        GATE_SCRIPTS.enter,
        [inFlightKey, breakerKey],
        [member, leaseMs, options.maxInFlight, "0"],
      )) as [number, string | null, number, number];
      const stored = storedRaw || null;
      const admission = admit(parseBreakerState(stored), now, breakerOptions);
      const release = async () => {
        if (taken === 1) await runScript(redis, GATE_SCRIPTS.release, [inFlightKey], [member]);
      };

      if (admission.verdict === "wait") {
        await release();
        deferrals.delete(deliveryId);
        // One delivery per cool-down comes back when it ends, to probe; the others park until the
        // worker that sees the circuit close wakes them (their own timer is the safety net).
        const ttlMs = admission.waitMs + 2 * options.breaker.maxCoolDownMs + leaseMs;
        const prober = await runScript(
          redis,
          GATE_SCRIPTS.park,
          [parkedKey(endpointId), alarmKey(endpointId)],
          [deliveryId, ttlMs, String(now + admission.waitMs)],
        );
        const waitMs =
          prober === 1
            ? circuitDeferralMs(admission.waitMs, random)
            : parkedDeferralMs(admission.waitMs, options.breaker.maxCoolDownMs, random);
        return { kind: "wait", waitMs, reason: "circuit-open" };
      }
      if (!admission.probe) {
        if (taken !== 1) {
          const waitMs = slotWait(endpointId, oldestExpiry > 0 ? now - (oldestExpiry - leaseMs) : 0);
          if (waitMs === 0) return deferForCapacity(endpointId, deliveryId, now, oldestExpiry);
          await waitForSlot(endpointId, waitMs);
          continue;
        }
        deferrals.delete(deliveryId);
        return { kind: "go", pass: pass(endpointId, member, false) };
      }
      // Half-open: claim the one probe. Losing the swap means another worker changed the breaker
      // (took the probe, or reported a result): look again.
      if (!(await swap(breakerKey, stored, admission.next, now))) {
        await release();
        tries++;
        continue;
      }
      if (taken !== 1) {
        // The probe goes even over the cap: the slots are held by requests from before the outage.
        await runScript(
          redis,
          GATE_SCRIPTS.enter,
          [inFlightKey, breakerKey],
          [member, leaseMs, options.maxInFlight, "1"],
        );
      }
      deferrals.delete(deliveryId);
      logger.info({ endpointId, deliveryId }, "circuit half-open: sending a probe");
      return { kind: "go", pass: pass(endpointId, member, true) };
    }
    return deferForCapacity(endpointId, deliveryId, Date.now(), 0);
  }

  async function takeParked(endpointId: string): Promise<string[]> {
    return (await runScript(redis, GATE_SCRIPTS.takeParked, [parkedKey(endpointId)], [])) as string[];
  }

  async function reset(endpointId: string): Promise<void> {
    const [, breakerKey] = keys(endpointId);
    await runScript(redis, GATE_SCRIPTS.reset, [breakerKey, alarmKey(endpointId)], []);
  }

  return { enter, takeParked, reset };
}
