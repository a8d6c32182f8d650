import { HooklineApiError } from "@hookline/sdk";
import { describe, expect, it } from "vitest";
import { replayEach } from "../src/bulk-replay.js";

const conflict = () =>
  new HooklineApiError("POST /v1/admin/dead-letters/{deadLetterId}/replay", 409, {
    type: "/problems/conflict",
    title: "Conflict",
    status: 409,
    detail: "replayed already",
  });

describe("replayEach", () => {
  it("replays every id and reports progress once per dead letter", async () => {
    const progress: number[] = [];
    const summary = await replayEach(
      ["dlq_a", "dlq_b", "dlq_c"],
      async (id) => ({ deliveryId: id.replace("dlq", "dlv") }),
      { concurrency: 2, onProgress: (done) => progress.push(done) },
    );
    expect(summary).toMatchObject({ replayed: 3, skipped: 0, failed: 0 });
    expect(summary.outcomes.map((outcome) => outcome.kind === "replayed" && outcome.deliveryId)).toEqual([
      "dlv_a",
      "dlv_b",
      "dlv_c",
    ]);
    expect(progress).toEqual([1, 2, 3]);
  });

  it("counts a dead letter someone else replayed meanwhile (409) as skipped, other errors as failed", async () => {
    const summary = await replayEach(
      ["dlq_ok", "dlq_taken", "dlq_broken"],
      async (id) => {
        if (id === "dlq_taken") throw conflict();
        if (id === "dlq_broken") throw new Error("boom");
        return { deliveryId: "dlv_ok" };
      },
      { concurrency: 3 },
    );
    expect(summary).toMatchObject({ replayed: 1, skipped: 1, failed: 1 });
    expect(summary.outcomes[2]).toEqual({ kind: "failed", id: "dlq_broken", error: "boom" });
  });

  it("never has more replays in flight than the concurrency", async () => {
    let inFlight = 0;
    let most = 0;
    const ids = Array.from({ length: 20 }, (_, i) => `dlq_${i}`);
    await replayEach(
      ids,
      async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return { deliveryId: "dlv" };
      },
      { concurrency: 3 },
    );
    expect(most).toBe(3);
  });

  it("does nothing for an empty list", async () => {
    expect(await replayEach([], async () => ({ deliveryId: "x" }), { concurrency: 4 })).toEqual({
      replayed: 0,
      skipped: 0,
      failed: 0,
      outcomes: [],
    });
  });
});
