// Where a stream begins, settled before the response starts so that a bad cursor is still a 4xx
// problem: the live tail (the horizon now), the whole retained log, or strictly after a cursor. A
// start older than retention moves to the end of what expired, with a `gap` saying so.
import {
  type Database,
  expiredAfter,
  type StreamPosition,
  streamFrontier,
  streamHorizon,
} from "@hookline/db";
import { HttpProblem } from "../problem.js";
import { belowHorizon, formatCursor, START_OF_STREAM, type StreamStart } from "./cursor.js";
import type { Gap } from "./outbound-buffer.js";

export type ResolvedStart = {
  /** Everything up to here is behind the client; the stream sends what follows. */
  through: StreamPosition;
  /** Sent first, when part of what the client asked for has left the log. */
  gap: Gap | undefined;
  /** `through` is the head of the stream (a live start): nothing to replay before joining the tail. */
  atHead: boolean;
};

export async function resolveStart(
  db: Database,
  input: {
    applicationId: string;
    start: StreamStart;
    retentionMs: number;
    eventTypes: readonly string[] | undefined;
    now?: Date;
  },
): Promise<ResolvedStart> {
  const { start } = input;
  if (start.kind === "live") {
    return { through: belowHorizon(await streamHorizon(db)), gap: undefined, atHead: true };
  }
  const after = start.kind === "earliest" ? START_OF_STREAM : start.position;
  if (start.kind === "after" && start.position.xid >= (await streamFrontier(db))) {
    throw new HttpProblem(
      "invalid-request",
      `cursor ${start.cursor} is ahead of this stream: it was not issued here`,
    );
  }
  const cutoff = new Date((input.now ?? new Date()).getTime() - input.retentionMs);
  const expired = await expiredAfter(db, {
    applicationId: input.applicationId,
    after,
    cutoff,
    ...(input.eventTypes ? { eventTypes: input.eventTypes } : {}),
  });
  if (!expired) return { through: after, gap: undefined, atHead: false };
  // `earliest` asked for whatever is retained: skipping what is not is no gap to that client.
  if (start.kind === "earliest") return { through: expired.through, gap: undefined, atHead: false };
  return {
    through: expired.through,
    atHead: false,
    gap: {
      reason: "retention",
      after: start.cursor,
      through: formatCursor(expired.through),
      skipped: expired.skipped,
    },
  };
}
