// The example receiver as an Express app: verify each delivery with the receiver kit, answer at
// once, and handle every webhook-id once in the background. `server.ts` runs it; tests import it.
import {
  createIdempotentHandler,
  MemoryStore,
  type WebhookEvent,
  webhookMiddleware,
} from "@hookline/receiver";
import express from "express";

/** The body Hookline delivers. */
export interface HooklineWebhook {
  type: string;
  timestamp: string;
  data: unknown;
}

export interface ReceiverAppOptions {
  /** The endpoint's signing secret (`whsec_…`). */
  secret: string;
  /** Your work for one event; throwing makes the kit retry it with backoff. */
  onEvent: (event: WebhookEvent<HooklineWebhook>) => Promise<void> | void;
}

export function createReceiverApp(options: ReceiverAppOptions) {
  // MemoryStore forgets on restart; use PostgresStore or RedisStore in production.
  const handler = createIdempotentHandler<HooklineWebhook>({
    store: new MemoryStore(),
    handle: async (event) => options.onEvent(event),
  });
  const app = express();
  // The middleware reads the raw body itself: no express.json() before it on this route.
  app.post("/webhooks", webhookMiddleware({ secret: options.secret }), handler);
  return { app, handler };
}
