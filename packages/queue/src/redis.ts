// Redis connections. BullMQ workers block on Redis, so they need maxRetriesPerRequest: null;
// request-path clients should fail fast instead of queueing commands while Redis is away.
import { Redis } from "ioredis";

export function createWorkerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

export function createRequestConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
}
