// What the API needs from the outside world, built once by main.ts (or a test) and passed in.
import type { Config, Logger, Resolver, SecretBox } from "@hookline/core";
import type { Database } from "@hookline/db";
import type { DeliveryQueue } from "@hookline/queue";
import type { Redis } from "ioredis";
import type { Streams } from "./streams/streams.js";

export type ApiDeps = {
  config: Config;
  db: Database;
  /** Fail-fast Redis connection for the request path (queue, announcements). */
  redis: Redis;
  queue: DeliveryQueue;
  box: SecretBox;
  logger: Logger;
  /** DNS for the SSRF guard's registration-time check; the system resolver by default (tests inject
   * one to simulate rebinding). */
  resolver?: Resolver | undefined;
  /** Realtime streams (SSE, WebSocket); absent where a process only needs the routes' description,
   * and then the stream routes answer 503. */
  streams?: Streams | undefined;
};
