// POST /v1/applications/{appId}/events/batch: up to 1,000 events in one request, accepted in one
// transaction (all or none) and enqueued together. Each event is what the single ingest route takes;
// idempotency keys go per event, in the body.
import { ingestEvents } from "@hookline/db";
import { z } from "zod";
import type { ApiDeps } from "../../deps.js";
import { enqueueAccepted, ingestedWork } from "../../enqueue.js";
import { HttpProblem } from "../../problem.js";
import { defineRoute } from "../../route.js";
import { announceStreamEvents } from "../../streams/announce.js";
import { appIdParam } from "./common.js";
import { ingestBody, ingestOut } from "./events.js";

export const MAX_BATCH_EVENTS = 1_000;

const batchBody = z.strictObject({
  events: z.array(ingestBody).min(1).max(MAX_BATCH_EVENTS),
});

const batchOut = z.object({ data: z.array(ingestOut) }).meta({ id: "BatchIngestResult" });

export function batchEventRoutes({ db, queue, redis, logger, config }: ApiDeps) {
  return [
    defineRoute({
      method: "post",
      path: "/v1/applications/:appId/events/batch",
      operationId: "v1.event.createBatch",
      summary: `Send up to ${MAX_BATCH_EVENTS} events at once: recorded together, then delivered`,
      tags: ["Events"],
      roles: ["producer", "admin"],
      rateLimit: "ingest",
      // Each event counts against the key's limit, as one sent alone would.
      rateLimitCost: (body) => body.events.length,
      params: z.strictObject({ appId: appIdParam }),
      body: batchBody,
      status: 202,
      response: batchOut,
      problems: [413, 429],
      handler: async ({ body, application, req }) => {
        if (req.headers["idempotency-key"] !== undefined) {
          throw new HttpProblem("invalid-request", "a batch takes idempotencyKey per event, not the header");
        }
        const payloads = checkBatch(body.events, config.maxPayloadBytes);
        const results = await ingestEvents(
          db,
          body.events.map((event, index) => ({
            applicationId: application.id,
            eventType: event.eventType,
            payloadJson: payloads[index] as string,
            idempotencyKey: event.idempotencyKey,
          })),
        );
        // Streams learn of the new events at once, not at their next poll.
        if (results.some((result) => result.kind === "created")) {
          announceStreamEvents(redis, config.queuePrefix, application.id, logger);
        }
        const { deliveryIds, unwrittenEventIds } = ingestedWork(results);
        await enqueueAccepted(queue, logger, deliveryIds, { unwrittenEventIds });
        return {
          data: results.map((result) => ({
            id: result.event.id,
            eventType: result.event.eventType,
            createdAt: result.event.createdAt.toISOString(),
            duplicate: result.kind === "duplicate",
            deliveries: result.deliveries,
          })),
        };
      },
    }),
  ];
}

/** Per-event payload limit, and no idempotency key twice in one batch (which event would win?).
 * Returns each payload as the JSON text it was measured as. */
function checkBatch(events: z.output<typeof batchBody>["events"], maxPayloadBytes: number): string[] {
  const seen = new Map<string, number>();
  return events.map((event, index) => {
    const payloadJson = JSON.stringify(event.payload);
    const size = Buffer.byteLength(payloadJson);
    if (size > maxPayloadBytes) {
      throw new HttpProblem(
        "payload-too-large",
        `events[${index}].payload is ${size} bytes; the limit is ${maxPayloadBytes} bytes`,
      );
    }
    if (event.idempotencyKey === undefined) return payloadJson;
    const first = seen.get(event.idempotencyKey);
    if (first !== undefined) {
      throw new HttpProblem(
        "invalid-request",
        `events[${index}] repeats the idempotencyKey of events[${first}] in the same batch`,
      );
    }
    seen.set(event.idempotencyKey, index);
    return payloadJson;
  });
}
