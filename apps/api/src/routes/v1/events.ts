// /v1/applications/{appId}/events: ingest (producer, admin) and the event log (all roles).
import { type Event, findEvent, listEvents } from "@hookline/db";
import { z } from "zod";
import type { ApiDeps } from "../../deps.js";
import { createIngestCommitter } from "../../ingest-committer.js";
import { HttpProblem } from "../../problem.js";
import { defineRoute, notFound } from "../../route.js";
import { announceStreamEvents } from "../../streams/announce.js";
import { appIdParam, eventTypeSchema, idParam, isoDate, listOf, pageQuery, timestamp } from "./common.js";
import { deliveryOut, toDeliveryOut } from "./deliveries.js";

/** Any JSON value (z.json() is recursive, which the OpenAPI generator cannot describe). */
const jsonValue = z.unknown().meta({ description: "any JSON value" });

const idempotencyKeySchema = z.string().min(1).max(256);

export const ingestBody = z.strictObject({
  eventType: eventTypeSchema,
  // null would be stored as SQL NULL, not as JSON null: a payload is something, so it is refused.
  payload: jsonValue.refine(
    (value) => value !== undefined && value !== null,
    "is required and must not be null",
  ),
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const eventOut = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    eventType: z.string(),
    payload: jsonValue,
    idempotencyKey: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: "Event" });

export const ingestOut = z
  .object({
    id: z.string(),
    eventType: z.string(),
    createdAt: timestamp,
    /** True when the idempotency key was seen before and this is the first event's answer. */
    duplicate: z.boolean(),
    deliveries: z.array(z.object({ id: z.string(), endpointId: z.string() })),
  })
  .meta({ id: "IngestResult" });

export function toEventOut(event: Event): z.input<typeof eventOut> {
  return {
    id: event.id,
    applicationId: event.applicationId,
    eventType: event.eventType,
    payload: event.payload,
    idempotencyKey: event.idempotencyKey,
    createdAt: event.createdAt.toISOString(),
  };
}

const appParams = z.strictObject({ appId: appIdParam });

export function eventRoutes({ db, queue, logger, config, redis }: ApiDeps) {
  const committer = createIngestCommitter({ db, queue, logger }, { writers: config.ingestWriters });
  return [
    defineRoute({
      method: "post",
      path: "/v1/applications/:appId/events",
      operationId: "v1.event.create",
      summary: "Send an event: recorded, then delivered to every matching endpoint",
      tags: ["Events"],
      roles: ["producer", "admin"],
      rateLimit: "ingest",
      params: appParams,
      body: ingestBody,
      status: 202,
      response: ingestOut,
      problems: [413, 429],
      handler: async ({ body, application, req, res }) => {
        const headerKey = req.headers["idempotency-key"];
        if (
          headerKey !== undefined &&
          (typeof headerKey !== "string" || !idempotencyKeySchema.safeParse(headerKey).success)
        ) {
          throw new HttpProblem("invalid-request", "the Idempotency-Key header must be 1–256 characters");
        }
        if (headerKey && body.idempotencyKey && headerKey !== body.idempotencyKey) {
          throw new HttpProblem("invalid-request", "Idempotency-Key header and body idempotencyKey differ");
        }
        const payloadJson = JSON.stringify(body.payload);
        const size = Buffer.byteLength(payloadJson);
        if (size > config.maxPayloadBytes) {
          throw new HttpProblem(
            "payload-too-large",
            `the payload is ${size} bytes; the limit is ${config.maxPayloadBytes} bytes`,
          );
        }
        const result = await committer.ingest(
          {
            applicationId: application.id,
            eventType: body.eventType,
            payloadJson,
            idempotencyKey: headerKey ?? body.idempotencyKey,
          },
          size,
        );
        if (result.kind === "duplicate") res.setHeader("idempotent-replayed", "true");
        else announceStreamEvents(redis, config.queuePrefix, application.id, logger);
        return {
          id: result.event.id,
          eventType: result.event.eventType,
          createdAt: result.event.createdAt.toISOString(),
          duplicate: result.kind === "duplicate",
          deliveries: result.deliveries,
        };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/applications/:appId/events",
      operationId: "v1.event.list",
      summary: "List events, newest first",
      tags: ["Events"],
      roles: ["admin", "producer", "partner"],
      params: appParams,
      query: z.strictObject({
        ...pageQuery,
        eventType: eventTypeSchema.optional(),
        since: isoDate.optional(),
        until: isoDate.optional(),
      }),
      response: listOf(eventOut),
      handler: async ({ application, query }) => {
        const page = await listEvents(db, application.id, query, query);
        return { data: page.data.map(toEventOut), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/applications/:appId/events/:eventId",
      operationId: "v1.event.get",
      summary: "Get an event with its deliveries",
      tags: ["Events"],
      roles: ["admin", "producer", "partner"],
      params: z.strictObject({ appId: appIdParam, eventId: idParam("event") }),
      response: eventOut.extend({ deliveries: z.array(deliveryOut) }).meta({ id: "EventWithDeliveries" }),
      handler: async ({ application, params }) => {
        const found = await findEvent(db, application.id, params.eventId);
        if (!found) throw notFound("event", params.eventId);
        return { ...toEventOut(found.event), deliveries: found.deliveries.map(toDeliveryOut) };
      },
    }),
  ];
}
