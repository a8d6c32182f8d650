import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY, retryDelay, sleep } from "./backoff.js";

describe("retryDelay", () => {
  const noJitter = { ...DEFAULT_RETRY, jitter: 0 };

  it("doubles from the base delay after each failed attempt", () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelay(attempt, noJitter))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });

  it("never exceeds the ceiling, jitter included", () => {
    expect(retryDelay(20, noJitter)).toBe(60_000);
    expect(retryDelay(20, DEFAULT_RETRY, () => 0.999)).toBe(60_000);
  });

  it("spreads each delay by the jitter ratio", () => {
    expect(retryDelay(1, DEFAULT_RETRY, () => 0)).toBe(800);
    expect(retryDelay(1, DEFAULT_RETRY, () => 0.5)).toBe(1_000);
    expect(retryDelay(1, DEFAULT_RETRY, () => 0.999_999)).toBe(1_200);
  });
});

describe("sleep", () => {
  it("ends early when its signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const done = sleep(10_000, controller.signal);
    controller.abort();
    await done;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
