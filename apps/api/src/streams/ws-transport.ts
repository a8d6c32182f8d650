// The stream over a WebSocket: one JSON text frame per event, `{cursor, event}`, and control frames
// `{control: ...}` (ready, gap, token-expired, disconnect, reconnect). A ping frame every
// `pingIntervalMs`; a peer silent (no pong, no frame) for `peerTimeoutMs` is dropped.
import type { WebSocket } from "ws";
import type { Gap } from "./outbound-buffer.js";
import { type Frame, toFrame } from "./stream-event.js";
import {
  type CloseReason,
  GOODBYE_GRACE_MS,
  jitteredDelay,
  type StreamTransport,
  shutdownDelay,
} from "./transport.js";

export type WsSettings = { reconnectDelayMs: number; pingIntervalMs: number; peerTimeoutMs: number };

/** Close codes: 1012 service restart, 1011 server error; 4xxx are Hookline's own. */
export const WS_CLOSE_CODES: Record<Exclude<CloseReason, "client-gone">, number> = {
  shutdown: 1012,
  error: 1011,
  "token-expired": 4001,
  "slow-consumer": 4008,
};

export function openWsTransport(ws: WebSocket, settings: WsSettings): StreamTransport {
  let gone = false;
  const goneCallbacks: (() => void)[] = [];
  const ping = setInterval(() => ws.ping(), settings.pingIntervalMs);
  ping.unref();
  const deadline = setTimeout(() => ws.terminate(), settings.peerTimeoutMs);
  deadline.unref();
  const alive = () => deadline.refresh();
  ws.on("pong", alive);
  // Clients have nothing to say on this stream; anything they send still proves they are there.
  ws.on("message", alive);
  ws.on("error", () => {}); // a 'close' follows
  ws.on("close", () => {
    gone = true;
    clearInterval(ping);
    clearTimeout(deadline);
    for (const callback of goneCallbacks.splice(0)) callback();
  });

  const control = (body: Record<string, unknown>) => toFrame(JSON.stringify(body));
  return {
    kind: "ws",
    // Keep-alive is the ping frame above; nothing to queue behind data.
    keepAliveMs: settings.pingIntervalMs,
    keepAlive: () => undefined,
    readyFrame: (cursor) => control({ control: "ready", cursor }),
    gapFrame: (gap: Gap) => control({ control: "gap", ...gap }),
    goodbyeFrame(reason: CloseReason): Frame | undefined {
      switch (reason) {
        case "client-gone":
          return undefined;
        case "token-expired":
          return control({ control: "token-expired" });
        case "slow-consumer":
          return control({ control: "disconnect", reason });
        case "shutdown":
          return control({ control: "reconnect", reason, retryMs: shutdownDelay(settings.reconnectDelayMs) });
        case "error":
          return control({ control: "reconnect", reason, retryMs: jitteredDelay(settings.reconnectDelayMs) });
      }
    },
    write(frames, flushed) {
      if (gone || ws.readyState !== ws.OPEN) return;
      const last = frames.length - 1;
      frames.forEach((frame, index) => {
        ws.send(frame.data, { binary: false }, index === last ? () => flushed() : undefined);
      });
    },
    end(reason) {
      if (gone) return;
      if (reason !== "client-gone") ws.close(WS_CLOSE_CODES[reason], reason);
      // The closing handshake needs a reader; one that stopped reading is cut.
      const teardown = setTimeout(() => ws.terminate(), GOODBYE_GRACE_MS);
      teardown.unref();
      ws.once("close", () => clearTimeout(teardown));
    },
    onGone(callback) {
      if (gone) callback();
      else goneCallbacks.push(callback);
    },
  };
}
