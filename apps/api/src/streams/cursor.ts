// Stream cursors: the text form of a stream position, `<xid>-<seq>`, shared by SSE (`id:`,
// `Last-Event-ID`) and WebSocket (`cursor`, `?lastEventId=`). Opaque to clients; anything that is
// not one is refused before a stream starts.
import type { StreamPosition } from "@hookline/db";

/** Largest value of a Postgres bigint (stream_seq). */
export const MAX_SEQ = 2n ** 63n - 1n;
const MAX_XID = 2n ** 64n - 1n;

const CURSOR = /^(\d{1,20})-(\d{1,19})$/;

/** Where a stream begins, as the client asked. */
export type StreamStart =
  | { kind: "live" }
  | { kind: "earliest" }
  | { kind: "after"; position: StreamPosition; cursor: string };

export function formatCursor(position: StreamPosition): string {
  return `${position.xid}-${position.seq}`;
}

export function parseCursor(text: string): StreamPosition | undefined {
  const match = CURSOR.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const xid = BigInt(match[1]);
  const seq = BigInt(match[2]);
  if (xid > MAX_XID || seq > MAX_SEQ) return undefined;
  return { xid, seq };
}

/** `earliest`, a cursor, or nothing (the live tail); undefined for anything else. */
export function parseStart(text: string | undefined): StreamStart | undefined {
  if (text === undefined || text === "") return { kind: "live" };
  if (text === "earliest") return { kind: "earliest" };
  const position = parseCursor(text);
  return position ? { kind: "after", position, cursor: formatCursor(position) } : undefined;
}

export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function isAfter(a: StreamPosition, b: StreamPosition): boolean {
  return comparePositions(a, b) > 0;
}

export function laterOf(a: StreamPosition, b: StreamPosition): StreamPosition {
  return isAfter(a, b) ? a : b;
}

/** Before every event. */
export const START_OF_STREAM: StreamPosition = { xid: 0n, seq: 0n };

/** The last position below a horizon: a reader that has read up to the horizon has handled
 * everything up to here, and every event it has not seen yet comes after it. */
export function belowHorizon(horizon: bigint): StreamPosition {
  return { xid: horizon - 1n, seq: MAX_SEQ };
}
