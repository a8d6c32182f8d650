// What a stream session needs from its transport (SSE or WebSocket): frames in the transport's
// wire format, a socket to write them to, keep-alive, and an end.
import type { FrameSink } from "./outbound-buffer.js";
import type { Frame } from "./stream-event.js";

/** Why a stream ended. */
export type CloseReason = "client-gone" | "slow-consumer" | "token-expired" | "shutdown" | "error";

export type StreamTransport = FrameSink & {
  /** The first message: where this stream stands, so a client cut before any event resumes there. */
  readyFrame(cursor: string): Frame;
  /** The last message, saying why the server ends the stream (none when the client left). */
  goodbyeFrame(reason: CloseReason): Frame | undefined;
  /** A keep-alive to queue behind data (SSE comment), or undefined when the transport pings on its
   * own (WebSocket ping frames). Called every `keepAliveMs`. */
  keepAlive(): Frame | undefined;
  keepAliveMs: number;
  /** Ends the connection after what the socket holds is sent, and tears it down if that stalls. */
  end(reason: CloseReason): void;
  /** Called once when the connection is gone, whichever side ended it. */
  onGone(callback: () => void): void;
};

/** How long an ending stream may take to hand its last frames to a reader before it is torn down. */
export const GOODBYE_GRACE_MS = 1_000;

/** The reconnect delay to suggest on an ordinary stream: ±50 % so clients cut together do not
 * come back together. */
export function jitteredDelay(baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * (0.5 + random()));
}

/** The reconnect delay to suggest when this instance shuts down: spread over 1–5× the base, so a
 * deploy's reconnections arrive over seconds, not at once. */
export function shutdownDelay(baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * (1 + 4 * random()));
}
