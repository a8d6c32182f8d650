import { describe, expect, it } from "vitest";
import { capacityDeferralMs, SLOT_WAIT_WINDOW_MS, slotWaitMs } from "./deferral.js";

describe("slotWaitMs", () => {
  it("waits for a slot while the endpoint's oldest request in flight is young", () => {
    expect(slotWaitMs(0)).toBe(SLOT_WAIT_WINDOW_MS);
    expect(slotWaitMs(30)).toBe(SLOT_WAIT_WINDOW_MS - 30);
  });

  it("never waits past the moment the oldest request turns slow", () => {
    for (let age = 0; age <= SLOT_WAIT_WINDOW_MS; age += 7) {
      expect(age + slotWaitMs(age)).toBeLessThanOrEqual(SLOT_WAIT_WINDOW_MS);
    }
  });

  it("defers at once once a request has been out for the whole window (slow or hanging endpoint)", () => {
    expect(slotWaitMs(SLOT_WAIT_WINDOW_MS)).toBe(0);
    expect(slotWaitMs(15_000)).toBe(0);
  });

  it("defers at once while the endpoint was lately seen slow, even if its requests are young again", () => {
    expect(slotWaitMs(0, { agoMs: 1_000, memoryMs: 15_000 })).toBe(0);
    expect(slotWaitMs(0, { agoMs: 15_000, memoryMs: 15_000 })).toBe(SLOT_WAIT_WINDOW_MS);
  });

  it("defers rather than waiting a few milliseconds at the window's end", () => {
    expect(slotWaitMs(SLOT_WAIT_WINDOW_MS - 2)).toBe(0);
  });
});

describe("capacityDeferralMs", () => {
  it("doubles the back-off with each deferral in a row, up to the cap", () => {
    const middle = () => 0.5;
    expect(capacityDeferralMs(0, middle)).toBe(100);
    expect(capacityDeferralMs(1, middle)).toBe(200);
    expect(capacityDeferralMs(30, middle)).toBe(5_000);
  });

  it("waits until a slow endpoint's oldest request times out", () => {
    const middle = () => 0.5;
    expect(capacityDeferralMs(0, middle, { inFlightMs: 4_000, timeoutMs: 15_000 })).toBe(12_500);
  });

  it("keeps waiting for timeouts while the endpoint hung recently, even when its requests are young", () => {
    const middle = () => 0.5;
    // Its slots just freed at a timeout and were taken again: a short back-off would cycle the backlog.
    expect(capacityDeferralMs(0, middle, { inFlightMs: 20, timeoutMs: 15_000 })).toBe(100);
    expect(capacityDeferralMs(0, middle, { inFlightMs: 20, timeoutMs: 15_000, hangingSeen: true })).toBe(
      16_480,
    );
  });

  it("spreads the return over a fifth of the timeout, between 0.5 s and 5 s", () => {
    const spread = (timeoutMs: number) =>
      capacityDeferralMs(0, () => 0.999_999, { inFlightMs: 0, timeoutMs, hangingSeen: true }) - timeoutMs;
    expect(spread(1_000)).toBe(500);
    expect(spread(15_000)).toBe(3_000);
    expect(spread(60_000)).toBe(5_000);
  });
});
