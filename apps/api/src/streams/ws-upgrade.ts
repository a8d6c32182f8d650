// WebSocket handshakes go through the Express app like any request, so the WebSocket route is
// declared, authenticated, validated and documented by the same route builder as the others, and a
// refused handshake gets the same problem+json answer. Node hands upgrade requests to the server's
// 'upgrade' listener instead of the app: this listener gives them a response on the raw socket and
// passes them on; the route takes the socket back when it accepts.
import { type IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";

type PendingUpgrade = { socket: Duplex; head: Buffer };

const UPGRADE = Symbol("hookline.pendingUpgrade");
type UpgradeRequest = IncomingMessage & { [UPGRADE]?: PendingUpgrade };

/** The server's 'upgrade' listener: runs the request through `app`. */
export function upgradeThrough(
  app: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    (req as UpgradeRequest)[UPGRADE] = { socket, head };
    socket.on("error", () => socket.destroy());
    const res = new ServerResponse(req);
    // Whatever the app answers instead of accepting is the last thing on this connection.
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on("finish", () => socket.end());
    app(req, res);
  };
}

/** The upgrade a request asks for, when it came through `upgradeThrough`. */
export function pendingUpgradeOf(req: IncomingMessage): PendingUpgrade | undefined {
  return (req as UpgradeRequest)[UPGRADE];
}

/** Completes the handshake; undefined when the client's handshake was invalid (ws answered 400). */
export function acceptUpgrade(
  wss: WebSocketServer,
  req: IncomingMessage,
  res: ServerResponse,
  upgrade: PendingUpgrade,
): Promise<WebSocket | undefined> {
  res.detachSocket(upgrade.socket as Socket);
  return new Promise((resolve) => {
    const refused = () => resolve(undefined);
    upgrade.socket.once("close", refused);
    wss.handleUpgrade(req, upgrade.socket, upgrade.head, (ws) => {
      upgrade.socket.off("close", refused);
      resolve(ws);
    });
  });
}
