// The realtime streams of one API instance, built once at start-up and passed to the app: the hub
// (tailers, connections, pub/sub), the stream-token signer, and the WebSocket handshake server.
import type { Config, Logger } from "@hookline/core";
import type { Database } from "@hookline/db";
import { createWorkerConnection } from "@hookline/queue";
import { WebSocketServer } from "ws";
import { streamChannel } from "./announce.js";
import { StreamHub } from "./hub.js";
import { StreamTokens } from "./stream-token.js";

export type StreamSettings = Config["streams"];

export type Streams = {
  hub: StreamHub;
  tokens: StreamTokens;
  wss: WebSocketServer;
  settings: StreamSettings;
  /** Ends every stream with a reconnect hint, then lets go of Redis. */
  close(): Promise<void>;
};

export function startStreams(deps: { config: Config; db: Database; logger: Logger }): Streams {
  const { config, db, logger } = deps;
  // Subscribed clients block like workers: no retry limit, and they resubscribe after a reconnect.
  const subscriber = createWorkerConnection(config.redisUrl);
  subscriber.on("error", () => {}); // reconnects on its own; meanwhile the tailers' polls carry on
  const hub = new StreamHub({
    db,
    logger,
    subscriber,
    channel: streamChannel(config.queuePrefix),
    pollIntervalMs: config.streams.pollIntervalMs,
    maxConnectionsPerKey: config.streams.maxConnectionsPerKey,
    bufferBytes: config.streams.bufferBytes,
  });
  // Not awaited: with Redis away the API still starts, and streams run on polling until it is back.
  hub.start().catch((error: unknown) => logger.warn({ err: error }, "stream channel subscription failed"));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, perMessageDeflate: false });
  return {
    hub,
    tokens: new StreamTokens(config.encryptionKey),
    wss,
    settings: config.streams,
    async close() {
      await hub.close();
      wss.close();
    },
  };
}
