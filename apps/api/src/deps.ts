// What the API needs from the outside world, built once by main.ts (or a test) and passed in.
import type { Config, Logger, SecretBox } from "@hookline/core";
import type { Database } from "@hookline/db";
import type { DeliveryQueue } from "@hookline/queue";
import type { Redis } from "ioredis";

export type ApiDeps = {
  config: Config;
  db: Database;
  /** Fail-fast Redis connection for the request path (queue, announcements). */
  redis: Redis;
  queue: DeliveryQueue;
  box: SecretBox;
  logger: Logger;
};
