import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE_MS, nextStep, parseRetryAfter, withJitter } from "./retry-schedule.js";

const schedule = [1_000, 10_000, 60_000];
const middle = () => 0.5;

describe("nextStep", () => {
  it("is done after a success", () => {
    expect(nextStep({ kind: "success", statusCode: 200 }, 1, schedule)).toEqual({ kind: "done" });
  });

  it("retries after each step of the schedule, then dead-letters", () => {
    const failure = { kind: "http-error", statusCode: 500 } as const;
    expect(nextStep(failure, 1, schedule, middle)).toEqual({ kind: "retry", delayMs: 1_000 });
    expect(nextStep(failure, 2, schedule, middle)).toEqual({ kind: "retry", delayMs: 10_000 });
    expect(nextStep(failure, 3, schedule, middle)).toEqual({ kind: "retry", delayMs: 60_000 });
    expect(nextStep(failure, 4, schedule, middle)).toEqual({
      kind: "dead",
      reason: "HTTP 500 after 4 attempts",
    });
  });

  it("treats network failures like HTTP failures and names them", () => {
    const refused = { kind: "network-error", errorClass: "connection-refused" } as const;
    expect(nextStep(refused, 1, schedule, middle).kind).toBe("retry");
    expect(nextStep(refused, 4, schedule, middle)).toEqual({
      kind: "dead",
      reason: "connection-refused after 4 attempts",
    });
  });

  it("stops at once on 410 Gone", () => {
    expect(nextStep({ kind: "http-error", statusCode: 410 }, 1, schedule).kind).toBe("gone");
  });

  it("honours Retry-After, capped at the step after next", () => {
    const later = (ms: number) => ({ kind: "http-error", statusCode: 429, retryAfterMs: ms }) as const;
    expect(nextStep(later(5_000), 1, schedule)).toEqual({ kind: "retry", delayMs: 5_000 });
    expect(nextStep(later(3_600_000), 1, schedule)).toEqual({ kind: "retry", delayMs: 10_000 });
    // On the last step there is no step after next: the step itself caps.
    expect(nextStep(later(3_600_000), 3, schedule)).toEqual({ kind: "retry", delayMs: 60_000 });
    expect(nextStep(later(-5), 1, schedule)).toEqual({ kind: "retry", delayMs: 0 });
  });

  it("dead-letters at once with an empty schedule", () => {
    expect(nextStep({ kind: "http-error", statusCode: 500 }, 1, []).kind).toBe("dead");
  });
});

describe("withJitter", () => {
  it("spreads a delay over ±20 %", () => {
    expect(withJitter(10_000, () => 0)).toBe(8_000);
    expect(withJitter(10_000, () => 0.5)).toBe(10_000);
    expect(withJitter(10_000, () => 0.999_999)).toBe(12_000);
  });
});

describe("the default schedule", () => {
  it("is the Standard Webhooks example: 5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h, 24h (about 3 days)", () => {
    const hours = DEFAULT_RETRY_SCHEDULE_MS.reduce((sum, ms) => sum + ms, 0) / 3_600_000;
    expect(DEFAULT_RETRY_SCHEDULE_MS).toHaveLength(9);
    expect(hours).toBeGreaterThan(75);
    expect(hours).toBeLessThan(76);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, and ignores garbage", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
