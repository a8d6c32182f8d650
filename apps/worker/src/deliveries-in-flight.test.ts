import { describe, expect, it } from "vitest";
import { createDeliveriesInFlight } from "./deliveries-in-flight.js";

/** An attempt that runs until `finish` is called, noting that it started. */
function heldAttempt(log: string[], name: string) {
  let finish: (fail?: boolean) => void = () => {};
  const attempt = () => {
    log.push(`${name} started`);
    return new Promise<string>((resolve, reject) => {
      finish = (fail) => (fail ? reject(new Error(`${name} failed`)) : resolve(name));
    });
  };
  return { attempt, finish: (fail?: boolean) => finish(fail) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("deliveries in flight", () => {
  it("skips a delivery already under way, and runs it again once that attempt is over", async () => {
    const inFlight = createDeliveriesInFlight();
    const log: string[] = [];
    const first = heldAttempt(log, "first");
    const running = inFlight.runUnlessBusy("dlv_1", first.attempt);
    expect(await inFlight.runUnlessBusy("dlv_1", heldAttempt(log, "second").attempt)).toBeUndefined();
    // Another delivery is not held up.
    const other = heldAttempt(log, "other");
    const otherRunning = inFlight.runUnlessBusy("dlv_2", other.attempt);
    expect(log).toEqual(["first started", "other started"]);
    first.finish();
    other.finish();
    expect(await running).toBe("first");
    expect(await otherRunning).toBe("other");
    expect(await inFlight.runUnlessBusy("dlv_1", async () => "third")).toBe("third");
  });

  it("runs a waiting attempt after the one under way, even when that one fails, one waiter at a time", async () => {
    const inFlight = createDeliveriesInFlight();
    const log: string[] = [];
    const batch = heldAttempt(log, "batch");
    const own = heldAttempt(log, "own job");
    const late = heldAttempt(log, "late job");
    const batchRunning = inFlight.runUnlessBusy("dlv_1", batch.attempt);
    const ownRunning = inFlight.runAfterOthers("dlv_1", own.attempt);
    const lateRunning = inFlight.runAfterOthers("dlv_1", late.attempt);
    await turn();
    expect(log).toEqual(["batch started"]);
    batch.finish(true);
    await expect(batchRunning).rejects.toThrow("batch failed");
    await turn();
    expect(log).toEqual(["batch started", "own job started"]);
    own.finish();
    expect(await ownRunning).toBe("own job");
    await turn();
    expect(log).toEqual(["batch started", "own job started", "late job started"]);
    late.finish();
    expect(await lateRunning).toBe("late job");
  });
});
