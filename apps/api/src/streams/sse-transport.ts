// Server-Sent Events on an HTTP response. Events are `id: <cursor>` + `data: <json>` with no
// `event:` field, so `onmessage` gets them all; control messages are named events (`ready`, `gap`,
// `token-expired`, `disconnect`); `retry:` suggests a jittered reconnect delay; `: ping` keeps
// proxies from closing an idle stream.
import type { Response } from "express";
import type { Gap } from "./outbound-buffer.js";
import { type Frame, toFrame } from "./stream-event.js";
import {
  type CloseReason,
  GOODBYE_GRACE_MS,
  jitteredDelay,
  type StreamTransport,
  shutdownDelay,
} from "./transport.js";

export type SseSettings = { reconnectDelayMs: number; pingIntervalMs: number };

const PING = toFrame(": ping\n\n");

/** Sends the stream's headers and returns the transport over `res`. */
export function openSseTransport(res: Response, settings: SseSettings): StreamTransport {
  res.status(200);
  res.setHeader("content-type", "text/event-stream; charset=utf-8");
  res.setHeader("cache-control", "no-cache, no-transform");
  res.setHeader("connection", "keep-alive");
  // nginx and similar proxies buffer responses unless told not to.
  res.setHeader("x-accel-buffering", "no");
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  let gone = false;
  const goneCallbacks: (() => void)[] = [];
  res.on("close", () => {
    gone = true;
    for (const callback of goneCallbacks.splice(0)) callback();
  });

  return {
    kind: "sse",
    keepAliveMs: settings.pingIntervalMs,
    readyFrame(cursor) {
      return toFrame(
        `retry: ${jitteredDelay(settings.reconnectDelayMs)}\nevent: ready\nid: ${cursor}\ndata: ${JSON.stringify({ cursor })}\n\n`,
      );
    },
    gapFrame(gap: Gap): Frame {
      return toFrame(`event: gap\ndata: ${JSON.stringify(gap)}\n\n`);
    },
    goodbyeFrame(reason: CloseReason) {
      switch (reason) {
        case "client-gone":
          return undefined;
        case "token-expired":
          return toFrame(`event: token-expired\ndata: ${JSON.stringify({ reason })}\n\n`);
        case "slow-consumer":
          return toFrame(`event: disconnect\ndata: ${JSON.stringify({ reason })}\n\n`);
        case "shutdown":
        case "error": {
          const retryMs =
            reason === "shutdown"
              ? shutdownDelay(settings.reconnectDelayMs)
              : jitteredDelay(settings.reconnectDelayMs);
          return toFrame(
            `retry: ${retryMs}\nevent: disconnect\ndata: ${JSON.stringify({ reason, retryMs })}\n\n`,
          );
        }
      }
    },
    keepAlive: () => PING,
    write(frames, flushed) {
      if (gone) return;
      // Corked, the frames leave in one writev of the shared bytes: no copy per connection.
      res.cork();
      const last = frames.length - 1;
      frames.forEach((frame, index) => {
        res.write(frame.data, index === last ? () => flushed() : undefined);
      });
      res.uncork();
    },
    end() {
      if (gone) return;
      res.end();
      // A reader that stopped reading never takes the rest: don't keep its socket for it.
      const teardown = setTimeout(() => res.destroy(), GOODBYE_GRACE_MS);
      teardown.unref();
      res.once("close", () => clearTimeout(teardown));
    },
    onGone(callback) {
      if (gone) callback();
      else goneCallbacks.push(callback);
    },
  };
}
