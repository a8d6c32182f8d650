// Replays dead letters one by one, a few at a time, so a bulk replay can show progress and say
// what happened to each: replayed, already replayed by someone else, or failed.
import { isHooklineApiError } from "@hookline/sdk";

export type ReplayOutcome =
  | { kind: "replayed"; id: string; deliveryId: string }
  | { kind: "skipped"; id: string; reason: string }
  | { kind: "failed"; id: string; error: string };

export interface BulkReplaySummary {
  replayed: number;
  skipped: number;
  failed: number;
  outcomes: ReplayOutcome[];
}

export interface BulkReplayOptions {
  /** Replays in flight at once. */
  concurrency: number;
  /** After each dead letter, with how many are done. */
  onProgress?: (done: number, outcome: ReplayOutcome) => void;
}

export async function replayEach(
  ids: readonly string[],
  replayOne: (id: string) => Promise<{ deliveryId: string }>,
  options: BulkReplayOptions,
): Promise<BulkReplaySummary> {
  const outcomes: ReplayOutcome[] = new Array(ids.length);
  let next = 0;
  let done = 0;
  async function lane() {
    while (next < ids.length) {
      const index = next++;
      const id = ids[index] as string;
      const outcome = await replayOutcome(id, replayOne);
      outcomes[index] = outcome;
      options.onProgress?.(++done, outcome);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, ids.length)) }, lane));
  return {
    replayed: outcomes.filter((outcome) => outcome.kind === "replayed").length,
    skipped: outcomes.filter((outcome) => outcome.kind === "skipped").length,
    failed: outcomes.filter((outcome) => outcome.kind === "failed").length,
    outcomes,
  };
}

async function replayOutcome(
  id: string,
  replayOne: (id: string) => Promise<{ deliveryId: string }>,
): Promise<ReplayOutcome> {
  try {
    const { deliveryId } = await replayOne(id);
    return { kind: "replayed", id, deliveryId };
  } catch (error) {
    // Between listing and replaying, another operator may have replayed it: not a failure.
    if (isHooklineApiError(error, "conflict")) return { kind: "skipped", id, reason: error.message };
    return { kind: "failed", id, error: error instanceof Error ? error.message : String(error) };
  }
}
