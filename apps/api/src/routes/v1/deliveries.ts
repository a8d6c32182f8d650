// /v1/applications/{appId}/deliveries: the delivery log with every attempt, and manual retry.
import { type Attempt, type Delivery, findDelivery, listDeliveries, restartDelivery } from "@hookline/db";
import { z } from "zod";
import type { ApiDeps } from "../../deps.js";
import { enqueueAccepted } from "../../enqueue.js";
import { defineRoute, notFound } from "../../route.js";
import { appIdParam, eventTypeSchema, idParam, listOf, pageQuery, timestamp } from "./common.js";

export const deliveryStatus = z.enum(["pending", "succeeded", "failed"]);

export const deliveryOut = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    eventId: z.string(),
    endpointId: z.string(),
    eventType: z.string(),
    status: deliveryStatus,
    attemptCount: z.number().int(),
    nextAttemptAt: timestamp.nullable(),
    lastAttemptAt: timestamp.nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Delivery" });

const attemptOut = z
  .object({
    id: z.string(),
    attemptNumber: z.number().int(),
    attemptedAt: timestamp,
    durationMs: z.number().int(),
    statusCode: z.number().int().nullable(),
    responseBody: z.string().nullable(),
    errorClass: z.string().nullable(),
    errorMessage: z.string().nullable(),
  })
  .meta({ id: "Attempt" });

export function toDeliveryOut(delivery: Delivery): z.input<typeof deliveryOut> {
  return {
    id: delivery.id,
    applicationId: delivery.applicationId,
    eventId: delivery.eventId,
    endpointId: delivery.endpointId,
    eventType: delivery.eventType,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.status === "pending" ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
  };
}

function toAttemptOut(attempt: Attempt): z.input<typeof attemptOut> {
  return {
    id: attempt.id,
    attemptNumber: attempt.attemptNumber,
    attemptedAt: attempt.attemptedAt.toISOString(),
    durationMs: attempt.durationMs,
    statusCode: attempt.statusCode,
    responseBody: attempt.responseBody,
    errorClass: attempt.errorClass,
    errorMessage: attempt.errorMessage,
  };
}

const deliveryParams = z.strictObject({ appId: appIdParam, deliveryId: idParam("delivery") });

export function deliveryRoutes({ db, queue, logger }: ApiDeps) {
  return [
    defineRoute({
      method: "get",
      path: "/v1/applications/:appId/deliveries",
      operationId: "v1.delivery.list",
      summary: "List deliveries, newest first",
      tags: ["Deliveries"],
      roles: ["admin", "producer", "partner"],
      params: z.strictObject({ appId: appIdParam }),
      query: z.strictObject({
        ...pageQuery,
        status: deliveryStatus.optional(),
        endpointId: idParam("endpoint").optional(),
        eventType: eventTypeSchema.optional(),
        eventId: idParam("event").optional(),
      }),
      response: listOf(deliveryOut),
      handler: async ({ application, query }) => {
        const page = await listDeliveries(db, application.id, query, query);
        return { data: page.data.map(toDeliveryOut), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/applications/:appId/deliveries/:deliveryId",
      operationId: "v1.delivery.get",
      summary: "Get a delivery with all its attempts",
      tags: ["Deliveries"],
      roles: ["admin", "producer", "partner"],
      params: deliveryParams,
      response: deliveryOut.extend({ attempts: z.array(attemptOut) }).meta({ id: "DeliveryWithAttempts" }),
      handler: async ({ application, params }) => {
        const found = await findDelivery(db, application.id, params.deliveryId);
        if (!found) throw notFound("delivery", params.deliveryId);
        return { ...toDeliveryOut(found.delivery), attempts: found.attempts.map(toAttemptOut) };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/applications/:appId/deliveries/:deliveryId/retry",
      operationId: "v1.delivery.retry",
      summary: "Deliver again now, with a fresh retry schedule and the same webhook-id",
      tags: ["Deliveries"],
      roles: ["admin", "partner"],
      params: deliveryParams,
      status: 202,
      response: deliveryOut,
      handler: async ({ application, params }) => {
        const delivery = await restartDelivery(db, application.id, params.deliveryId);
        if (!delivery) throw notFound("delivery", params.deliveryId);
        await enqueueAccepted(queue, logger, [delivery.id], { now: true });
        return toDeliveryOut(delivery);
      },
    }),
  ];
}
