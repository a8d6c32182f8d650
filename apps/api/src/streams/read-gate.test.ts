import { describe, expect, it } from "vitest";
import { ReadGate } from "./read-gate.js";

describe("read gate", () => {
  it("runs at most `max` reads at once, the rest in arrival order", async () => {
    const gate = new ReadGate(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const reads = Array.from({ length: 6 }, (_, index) =>
      gate.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(index);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return index;
      }),
    );
    for (let released = 0; released < 6; released++) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    expect(await Promise.all(reads)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("frees the slot of a read that fails", async () => {
    const gate = new ReadGate(1);
    await expect(gate.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gate.run(async () => "next")).toBe("next");
  });
});
