// Builds the API's dependencies from config and listens: what main.ts and the tests start.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Config, type Logger, type Resolver, SecretBox } from "@hookline/core";
import type { Database } from "@hookline/db";
import { createDeliveryQueue, createRequestConnection } from "@hookline/queue";
import { createApp } from "./app.js";
import { applyHttpLimits, type HttpLimits, httpServerOptions } from "./http-limits.js";
import { startStreams } from "./streams/streams.js";
import { upgradeThrough } from "./streams/ws-upgrade.js";

export type RunningApi = { url: string; port: number; close(): Promise<void> };

export async function startApi(
  deps: { config: Config; db: Database; logger: Logger; resolver?: Resolver | undefined },
  options: { port?: number; validateResponses?: boolean } = {},
): Promise<RunningApi> {
  const redis = createRequestConnection(deps.config.redisUrl);
  redis.on("error", () => {}); // readiness reports it; reconnects are automatic
  const queue = createDeliveryQueue(redis, deps.config.queuePrefix);
  const box = new SecretBox(deps.config.encryptionKey, deps.config.retiredEncryptionKeys);
  const streams = startStreams(deps);
  const { app } = createApp(
    { ...deps, redis, queue, box, streams },
    { validateResponses: options.validateResponses ?? false },
  );
  const limits: HttpLimits = {
    maxHeaderBytes: deps.config.maxHeaderBytes,
    maxHeaders: deps.config.maxHeaders,
    headersTimeoutMs: deps.config.apiHeadersTimeoutMs,
    requestTimeoutMs: deps.config.apiRequestTimeoutMs,
  };
  const server = createServer(httpServerOptions(limits), app);
  applyHttpLimits(server, limits);
  // WebSocket handshakes run through the app too: the stream route accepts them.
  server.on("upgrade", upgradeThrough(app));
  server.listen(options.port ?? deps.config.port);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      // Streams first: they end with a jittered reconnect hint instead of holding the server open.
      await streams.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      redis.disconnect();
    },
  };
}
