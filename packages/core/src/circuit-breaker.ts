// The per-endpoint circuit breaker as a pure state machine (DESIGN.md, Guarantees: a dead endpoint
// never slows the others). The worker keeps the state in Redis, shared by every worker process, and
// asks these functions what it means; no I/O and no clock here, so the rules are tested exhaustively.
//
// closed ──(threshold consecutive failures)──▶ open ──(cool-down over)──▶ half-open: one probe
//   ▲                                           ▲                              │
//   └───────────(any success)───────────────────┴──(probe fails: longer cool-down)┘

export type BreakerOptions = {
  /** Consecutive failed attempts that open the circuit. */
  failureThreshold: number;
  /** The first pause once the circuit opens. */
  coolDownMs: number;
  /** Each failed probe doubles the pause, up to this. */
  maxCoolDownMs: number;
  /** How long a probe may take before another sender may probe instead (its sender may have died). */
  probeLeaseMs: number;
};

export type BreakerState =
  | { state: "closed"; failures: number }
  /** No attempts until `until`; `openedAt` is when this outage began (kept across re-openings). */
  | { state: "open"; until: number; coolDownMs: number; openedAt: number }
  /** One probe is out until `probeUntil`; everyone else waits for its verdict. */
  | { state: "half-open"; probeUntil: number; coolDownMs: number; openedAt: number };

export const CLOSED_BREAKER: BreakerState = { state: "closed", failures: 0 };

export type BreakerAdmission =
  | { verdict: "allow"; probe: boolean; next: BreakerState }
  | { verdict: "wait"; waitMs: number; next: BreakerState };

/** Whether a sender may try the endpoint at `now`, and the state that follows from asking. */
export function admit(state: BreakerState, now: number, options: BreakerOptions): BreakerAdmission {
  switch (state.state) {
    case "closed":
      return { verdict: "allow", probe: false, next: state };
    case "open":
      if (now < state.until) return { verdict: "wait", waitMs: state.until - now, next: state };
      return { verdict: "allow", probe: true, next: halfOpen(state, now, options) };
    case "half-open":
      if (now < state.probeUntil) return { verdict: "wait", waitMs: state.probeUntil - now, next: state };
      // The probe's sender never reported back (crash, lost connection): take over the probe.
      return { verdict: "allow", probe: true, next: halfOpen(state, now, options) };
  }
}

/** What a state change means to operators; `undefined` when nothing worth telling happened. */
export type BreakerTransition =
  | { kind: "opened"; coolDownMs: number }
  | { kind: "reopened"; coolDownMs: number; openedAt: number }
  | { kind: "recovered"; openedAt: number };

/** The state after an attempt finished: `succeeded` is whether the endpoint answered 2xx. */
export function afterAttempt(
  state: BreakerState,
  succeeded: boolean,
  now: number,
  options: BreakerOptions,
): { next: BreakerState; transition?: BreakerTransition } {
  if (succeeded) {
    if (state.state === "closed") return { next: state.failures === 0 ? state : CLOSED_BREAKER };
    // A probe, or a slow request sent before the circuit opened: either way the endpoint works.
    return { next: CLOSED_BREAKER, transition: { kind: "recovered", openedAt: state.openedAt } };
  }
  switch (state.state) {
    case "closed": {
      const failures = state.failures + 1;
      if (failures < options.failureThreshold) return { next: { state: "closed", failures } };
      const coolDownMs = options.coolDownMs;
      return {
        next: { state: "open", until: now + coolDownMs, coolDownMs, openedAt: now },
        transition: { kind: "opened", coolDownMs },
      };
    }
    case "open":
      // A request sent before the circuit opened, failing late: the circuit is already open.
      return { next: state };
    case "half-open": {
      const coolDownMs = Math.min(state.coolDownMs * 2, options.maxCoolDownMs);
      return {
        next: { state: "open", until: now + coolDownMs, coolDownMs, openedAt: state.openedAt },
        transition: { kind: "reopened", coolDownMs, openedAt: state.openedAt },
      };
    }
  }
}

/** How long the stored state stays meaningful: a closed breaker's failure count is forgotten after
 * an idle hour (sparse failures are not an outage); an open one outlives its cool-down. */
export function breakerTtlMs(state: BreakerState, now: number): number {
  const HOUR = 3_600_000;
  switch (state.state) {
    case "closed":
      return HOUR;
    case "open":
      return Math.max(state.until - now, 0) + HOUR;
    case "half-open":
      return Math.max(state.probeUntil - now, 0) + HOUR;
  }
}

export function isClosedAndClean(state: BreakerState): boolean {
  return state.state === "closed" && state.failures === 0;
}

/** Reads a stored state; anything missing or unreadable is a clean closed breaker (failing open is
 * the safe side: at worst a few more attempts reach a dead endpoint). */
export function parseBreakerState(text: string | null | undefined): BreakerState {
  if (!text) return CLOSED_BREAKER;
  try {
    const value = JSON.parse(text) as Partial<Record<string, unknown>>;
    const num = (key: string) => (typeof value[key] === "number" ? (value[key] as number) : undefined);
    const failures = num("failures");
    const until = num("until");
    const probeUntil = num("probeUntil");
    const coolDownMs = num("coolDownMs");
    const openedAt = num("openedAt");
    if (value.state === "closed" && failures !== undefined) return { state: "closed", failures };
    if (value.state === "open" && until !== undefined && coolDownMs !== undefined && openedAt !== undefined)
      return { state: "open", until, coolDownMs, openedAt };
    if (
      value.state === "half-open" &&
      probeUntil !== undefined &&
      coolDownMs !== undefined &&
      openedAt !== undefined
    )
      return { state: "half-open", probeUntil, coolDownMs, openedAt };
  } catch {}
  return CLOSED_BREAKER;
}

export function serializeBreakerState(state: BreakerState): string {
  return JSON.stringify(state);
}

function halfOpen(
  state: { coolDownMs: number; openedAt: number },
  now: number,
  options: BreakerOptions,
): BreakerState {
  return {
    state: "half-open",
    probeUntil: now + options.probeLeaseMs,
    coolDownMs: state.coolDownMs,
    openedAt: state.openedAt,
  };
}
