import { describe, expect, it } from "vitest";
import {
  admit,
  afterAttempt,
  type BreakerOptions,
  type BreakerState,
  breakerTtlMs,
  CLOSED_BREAKER,
  isClosedAndClean,
  parseBreakerState,
  serializeBreakerState,
} from "./circuit-breaker.js";
import {
  capacityDeferralMs,
  circuitDeferralMs,
  MAX_CAPACITY_DEFERRAL_MS,
  parkedDeferralMs,
} from "./deferral.js";

const options: BreakerOptions = {
  failureThreshold: 3,
  coolDownMs: 10_000,
  maxCoolDownMs: 35_000,
  probeLeaseMs: 20_000,
};

/** Feeds attempt results into a breaker, starting from `state`, at the given times. */
function run(state: BreakerState, results: Array<[succeeded: boolean, at: number]>) {
  let current = state;
  const transitions: string[] = [];
  for (const [succeeded, at] of results) {
    const step = afterAttempt(current, succeeded, at, options);
    current = step.next;
    if (step.transition) transitions.push(step.transition.kind);
  }
  return { state: current, transitions };
}

describe("circuit breaker", () => {
  it("lets everything through while closed", () => {
    expect(admit(CLOSED_BREAKER, 0, options)).toEqual({
      verdict: "allow",
      probe: false,
      next: CLOSED_BREAKER,
    });
    expect(admit({ state: "closed", failures: 2 }, 0, options).verdict).toBe("allow");
  });

  it("opens after the threshold of consecutive failures, not before", () => {
    const two = run(CLOSED_BREAKER, [
      [false, 1],
      [false, 2],
    ]);
    expect(two.state).toEqual({ state: "closed", failures: 2 });
    expect(two.transitions).toEqual([]);
    const three = run(two.state, [[false, 3]]);
    expect(three.state).toEqual({ state: "open", until: 10_003, coolDownMs: 10_000, openedAt: 3 });
    expect(three.transitions).toEqual(["opened"]);
  });

  it("forgets failures after any success, so scattered failures never open it", () => {
    // Two of every three attempts fail, but never three in a row.
    const results: Array<[boolean, number]> = [];
    for (let i = 0; i < 98; i++) results.push([i % 3 === 2, i]);
    const mostlyFailing = run(CLOSED_BREAKER, results);
    expect(mostlyFailing.state).toEqual({ state: "closed", failures: 2 });
    expect(mostlyFailing.transitions).toEqual([]);
    expect(afterAttempt({ state: "closed", failures: 2 }, true, 0, options).next).toEqual(CLOSED_BREAKER);
  });

  it("makes senders wait out the cool-down while open", () => {
    const open: BreakerState = { state: "open", until: 10_000, coolDownMs: 10_000, openedAt: 0 };
    expect(admit(open, 4_000, options)).toEqual({ verdict: "wait", waitMs: 6_000, next: open });
  });

  it("allows exactly one probe once the cool-down is over; the others wait for its verdict", () => {
    const open: BreakerState = { state: "open", until: 10_000, coolDownMs: 10_000, openedAt: 0 };
    const first = admit(open, 10_000, options);
    expect(first).toEqual({
      verdict: "allow",
      probe: true,
      next: { state: "half-open", probeUntil: 30_000, coolDownMs: 10_000, openedAt: 0 },
    });
    const second = admit(first.next, 10_001, options);
    expect(second).toEqual({ verdict: "wait", waitMs: 19_999, next: first.next });
  });

  it("hands the probe to another sender when the first one never reports back", () => {
    const probing: BreakerState = { state: "half-open", probeUntil: 30_000, coolDownMs: 10_000, openedAt: 0 };
    const takeover = admit(probing, 30_000, options);
    expect(takeover.verdict).toBe("allow");
    expect(takeover.next).toEqual({
      state: "half-open",
      probeUntil: 50_000,
      coolDownMs: 10_000,
      openedAt: 0,
    });
  });

  it("closes when the probe succeeds and reports the outage as recovered", () => {
    const probing: BreakerState = { state: "half-open", probeUntil: 30_000, coolDownMs: 10_000, openedAt: 5 };
    expect(afterAttempt(probing, true, 12_000, options)).toEqual({
      next: CLOSED_BREAKER,
      transition: { kind: "recovered", openedAt: 5 },
    });
  });

  it("re-opens for twice as long when the probe fails, up to the maximum, keeping when the outage began", () => {
    let state: BreakerState = { state: "half-open", probeUntil: 0, coolDownMs: 10_000, openedAt: 7 };
    const coolDowns: number[] = [];
    for (let at = 100; at < 600; at += 100) {
      const step = afterAttempt(state, false, at, options);
      expect(step.transition?.kind).toBe("reopened");
      if (step.next.state !== "open") throw new Error("expected open");
      expect(step.next.until).toBe(at + step.next.coolDownMs);
      expect(step.next.openedAt).toBe(7);
      coolDowns.push(step.next.coolDownMs);
      state = admit(step.next, step.next.until, options).next;
    }
    expect(coolDowns).toEqual([20_000, 35_000, 35_000, 35_000, 35_000]);
  });

  it("ignores late failures while open, but a late success closes it", () => {
    const open: BreakerState = { state: "open", until: 10_000, coolDownMs: 10_000, openedAt: 0 };
    expect(afterAttempt(open, false, 5_000, options)).toEqual({ next: open });
    expect(afterAttempt(open, true, 5_000, options).next).toEqual(CLOSED_BREAKER);
  });

  it("keeps stored state for an idle hour when closed, and past the cool-down when open", () => {
    expect(breakerTtlMs({ state: "closed", failures: 1 }, 0)).toBe(3_600_000);
    expect(breakerTtlMs({ state: "open", until: 50_000, coolDownMs: 1, openedAt: 0 }, 10_000)).toBe(
      3_640_000,
    );
    expect(isClosedAndClean(CLOSED_BREAKER)).toBe(true);
    expect(isClosedAndClean({ state: "closed", failures: 1 })).toBe(false);
  });

  it("round-trips every state through its stored form, and reads garbage as closed", () => {
    const states: BreakerState[] = [
      CLOSED_BREAKER,
      { state: "closed", failures: 4 },
      { state: "open", until: 1, coolDownMs: 2, openedAt: 3 },
      { state: "half-open", probeUntil: 1, coolDownMs: 2, openedAt: 3 },
    ];
    for (const state of states) expect(parseBreakerState(serializeBreakerState(state))).toEqual(state);
    for (const garbage of [null, undefined, "", "{", "[]", '{"state":"open"}', '{"state":"weird"}', "42"]) {
      expect(parseBreakerState(garbage)).toEqual(CLOSED_BREAKER);
    }
  });
});

describe("deferral", () => {
  it("backs off a job waiting on a full endpoint, doubling up to the cap, within ±50 %", () => {
    const low = (n: number) => capacityDeferralMs(n, () => 0);
    const high = (n: number) => capacityDeferralMs(n, () => 0.999_999);
    expect([0, 1, 2, 3].map(low)).toEqual([50, 100, 200, 400]);
    expect(high(0)).toBe(150);
    expect(low(100)).toBe(MAX_CAPACITY_DEFERRAL_MS / 2);
    expect(high(100)).toBe(Math.round(MAX_CAPACITY_DEFERRAL_MS * 1.499_999));
    expect(low(-3)).toBe(50);
  });

  it("waits for a slow endpoint's oldest request to time out instead of backing off blindly", () => {
    // Out for 3 s of a 15 s timeout: no slot before 12 s from now.
    expect(capacityDeferralMs(0, () => 0, { inFlightMs: 3_000, timeoutMs: 15_000 })).toBe(12_000);
    // Spread over a fifth of the timeout, so a backlog does not come back all at once.
    expect(capacityDeferralMs(0, () => 0.999_999, { inFlightMs: 3_000, timeoutMs: 15_000 })).toBe(15_000);
    // A request out for a few milliseconds says nothing: the ordinary back-off.
    expect(capacityDeferralMs(2, () => 0, { inFlightMs: 20, timeoutMs: 15_000 })).toBe(200);
    // Past its timeout (about to be cut): never less than the back-off.
    expect(capacityDeferralMs(1, () => 0, { inFlightMs: 16_000, timeoutMs: 15_000 })).toBe(100);
  });

  it("waits out an open circuit plus a bounded spread", () => {
    expect(circuitDeferralMs(10_000, () => 0)).toBe(10_000);
    expect(circuitDeferralMs(10_000, () => 0.999_999)).toBe(11_000);
    expect(circuitDeferralMs(0, () => 0.5)).toBe(100);
    expect(circuitDeferralMs(600_000, () => 0.999_999)).toBe(603_000);
    expect(circuitDeferralMs(-5, () => 0)).toBe(0);
  });

  it("parks the other jobs behind an open circuit for one to two longest cool-downs past the wait", () => {
    expect(parkedDeferralMs(2_000, 600_000, () => 0)).toBe(602_000);
    expect(parkedDeferralMs(2_000, 600_000, () => 0.999_999)).toBe(1_201_999);
    expect(parkedDeferralMs(-1, 1_000, () => 0.5)).toBe(1_500);
  });
});
