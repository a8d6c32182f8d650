// /v1/applications/{appId}/endpoints: where a partner's events go, with their signing secrets.
import {
  checkDestination,
  DURATION_PATTERN,
  formatDuration,
  HEADER_NAME,
  isReservedHeader,
  parseDuration,
  SECRET_PREFIX,
} from "@hookline/core";
import {
  createEndpoint,
  deleteEndpoint,
  type Endpoint,
  findEndpoint,
  ingestEvent,
  listEndpoints,
  rotateEndpointSecret,
  signingSecrets,
  updateEndpoint,
  updateEndpointReplayingMissed,
} from "@hookline/db";
import { announceEndpointChange } from "@hookline/queue";
import { z } from "zod";
import type { ApiDeps } from "../../deps.js";
import { enqueueAccepted } from "../../enqueue.js";
import { HttpProblem } from "../../problem.js";
import { defineRoute, noContent, notFound } from "../../route.js";
import { announceStreamEvents } from "../../streams/announce.js";
import { appIdParam, eventTypeSchema, idParam, listOf, pageQuery, timestamp } from "./common.js";

const headersSchema = z
  .record(
    z.string(),
    z
      .string()
      .max(1024)
      .regex(/^[^\r\n\0]*$/, "must not contain line breaks"),
  )
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > 20) ctx.addIssue({ code: "custom", message: "at most 20 custom headers" });
    for (const name of names) {
      if (!HEADER_NAME.test(name)) {
        ctx.addIssue({ code: "custom", path: [name], message: "is not a valid HTTP header name" });
      } else if (isReservedHeader(name)) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "is set by Hookline and cannot be overridden",
        });
      }
    }
  });

const retryScheduleSchema = z
  .array(z.string().regex(DURATION_PATTERN, "must be a duration like 250ms, 5s, 5m, 2h or 1d"))
  .max(30)
  .transform((items) => items.map((item) => parseDuration(item) as number))
  .refine((ms) => ms.every((delay) => delay <= 7 * 86_400_000), "each delay must be at most 7d");

const endpointFields = {
  url: z.string().max(2048),
  description: z.string().max(1024).optional(),
  eventTypes: z.array(eventTypeSchema).max(256).optional(),
  disabled: z.boolean().optional(),
  headers: headersSchema.optional(),
  retrySchedule: retryScheduleSchema.nullable().optional(),
  headerStyle: z.enum(["standard", "svix"]).optional(),
};

const secretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, "must be whsec_ followed by base64")
  .refine((secret) => {
    const bytes = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64").length;
    return bytes >= 24 && bytes <= 64;
  }, "must hold 24 to 64 bytes");

const createBody = z.strictObject({ ...endpointFields, secret: secretSchema.optional() });
const updateBody = z
  .strictObject({
    ...endpointFields,
    url: endpointFields.url.optional(),
    replayMissed: z
      .boolean()
      .optional()
      .meta({
        description:
          "With `disabled: false` on a disabled endpoint: also deliver what it missed while disabled (events " +
          "ingested since, matching its filter, and the dead letters it collected for being disabled)",
      }),
  })
  .refine((body) => !body.replayMissed || body.disabled === false, {
    path: ["replayMissed"],
    message: "replays what a disabled endpoint missed: send it with `disabled: false`",
  });

const endpointOut = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()),
    disabled: z.boolean(),
    disabledReason: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    retrySchedule: z.array(z.string()).nullable(),
    headerStyle: z.enum(["standard", "svix"]),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Endpoint" });

const updateOut = endpointOut
  .extend({
    /** Deliveries created or reopened by `replayMissed`; absent without it. */
    replayedMissed: z.number().int().optional(),
  })
  .meta({ id: "EndpointUpdateResult" });

const secretOut = z.object({ key: z.string() }).meta({ id: "EndpointSecret" });

function toEndpointOut(endpoint: Endpoint): z.input<typeof endpointOut> {
  return {
    id: endpoint.id,
    applicationId: endpoint.applicationId,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    disabled: endpoint.disabled,
    disabledReason: endpoint.disabledReason,
    headers: endpoint.headers,
    retrySchedule: endpoint.retryScheduleMs?.map(formatDuration) ?? null,
    headerStyle: endpoint.headerStyle,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

const appParams = z.strictObject({ appId: appIdParam });
const endpointParams = z.strictObject({ appId: appIdParam, endpointId: idParam("endpoint") });

export function endpointRoutes({ db, box, redis, queue, logger, config, resolver }: ApiDeps) {
  const policy = { allow: config.allowedDestinations, httpsOnly: config.httpsOnly };

  async function checkedUrl(url: string): Promise<string> {
    const verdict = await checkDestination(url, policy, resolver);
    if (!verdict.ok) {
      throw new HttpProblem("invalid-request", verdict.reason, {
        errors: [{ path: "body.url", message: verdict.reason }],
      });
    }
    return verdict.url.toString();
  }

  async function announce(endpointId: string) {
    await announceEndpointChange(redis, config.queuePrefix, endpointId).catch((error: unknown) =>
      logger.warn(
        { err: error, endpointId },
        "could not announce endpoint change; worker caches expire within a minute",
      ),
    );
  }

  async function existing(applicationId: string, endpointId: string): Promise<Endpoint> {
    const endpoint = await findEndpoint(db, applicationId, endpointId);
    if (!endpoint) throw notFound("endpoint", endpointId);
    return endpoint;
  }

  return [
    defineRoute({
      method: "post",
      path: "/v1/applications/:appId/endpoints",
      operationId: "v1.endpoint.create",
      summary: "Register an endpoint",
      tags: ["Endpoints"],
      roles: ["partner", "admin"],
      params: appParams,
      body: createBody,
      status: 201,
      response: endpointOut,
      handler: async ({ application, body }) => {
        const url = await checkedUrl(body.url);
        const endpoint = await createEndpoint(db, box, application.id, {
          ...body,
          url,
          retryScheduleMs: body.retrySchedule,
        });
        return toEndpointOut(endpoint);
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/applications/:appId/endpoints",
      operationId: "v1.endpoint.list",
      summary: "List endpoints",
      tags: ["Endpoints"],
      roles: ["partner", "admin"],
      params: appParams,
      query: z.strictObject(pageQuery),
      response: listOf(endpointOut),
      handler: async ({ application, query }) => {
        const page = await listEndpoints(db, application.id, query);
        return { data: page.data.map(toEndpointOut), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/applications/:appId/endpoints/:endpointId",
      operationId: "v1.endpoint.get",
      summary: "Get an endpoint",
      tags: ["Endpoints"],
      roles: ["partner", "admin"],
      params: endpointParams,
      response: endpointOut,
      handler: async ({ application, params }) =>
        toEndpointOut(await existing(application.id, params.endpointId)),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/applications/:appId/endpoints/:endpointId",
      operationId: "v1.endpoint.update",
      summary: "Change an endpoint (only the fields given)",
      tags: ["Endpoints"],
      roles: ["partner", "admin"],
      params: endpointParams,
      body: updateBody,
      response: updateOut,
      handler: async ({ application, params, body }) => {
        const { replayMissed, ...fields } = body;
        const url = fields.url === undefined ? undefined : await checkedUrl(fields.url);
        const patch = { ...fields, url, retryScheduleMs: fields.retrySchedule };
        if (replayMissed) {
          const result = await updateEndpointReplayingMissed(db, application.id, params.endpointId, patch);
          if (!result) throw notFound("endpoint", params.endpointId);
          await announce(result.endpoint.id);
          await enqueueAccepted(queue, logger, result.replayedDeliveryIds);
          return { ...toEndpointOut(result.endpoint), replayedMissed: result.replayedDeliveryIds.length };
        }
        const endpoint = await updateEndpoint(db, application.id, params.endpointId, patch);
        if (!endpoint) throw notFound("endpoint", params.endpointId);
        await announce(endpoint.id);
        return toEndpointOut(endpoint);
      },
    }),
    defineRoute({
      method: "delete",
      path: "/v1/applications/:appId/endpoints/:endpointId",
      operationId: "v1.endpoint.delete",
      summary: "Delete an endpoint and its delivery history",
      tags: ["Endpoints"],
      roles: ["partner", "admin"],
      params: endpointParams,
      response: noContent,
      handler: async ({ application, params }) => {
        if (!(await deleteEndpoint(db, application.id, params.endpointId))) {
          throw notFound("endpoint", params.endpointId);
        }
        await announce(params.endpointId);
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/applications/:appId/endpoints/:endpointId/secret",
      operationId: "v1.endpoint.getSecret",
      summary: "Get the endpoint's signing secret",
      tags: ["Endpoints"],
      roles: ["partner", "admin"],
      params: endpointParams,
      response: secretOut,
      handler: async ({ application, params }) => {
        const [current] = signingSecrets(await existing(application.id, params.endpointId), box);
        return { key: current as string };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/applications/:appId/endpoints/:endpointId/secret/rotate",
      operationId: "v1.endpoint.rotateSecret",
      summary: "Rotate the signing secret; the old one keeps signing for the grace period (24 h)",
      tags: ["Endpoints"],
      roles: ["partner", "admin"],
      params: endpointParams,
      body: z.strictObject({ key: secretSchema.optional() }),
      response: secretOut,
      handler: async ({ application, params, body }) => {
        const endpoint = await rotateEndpointSecret(db, box, application.id, params.endpointId, {
          graceMs: config.secretRotationGraceMs,
          newSecret: body.key,
        });
        if (!endpoint) throw notFound("endpoint", params.endpointId);
        await announce(endpoint.id);
        return { key: box.open(endpoint.secret) };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/applications/:appId/endpoints/:endpointId/test",
      operationId: "v1.endpoint.test",
      summary: "Send a webhook.test event to this endpoint only",
      tags: ["Endpoints"],
      roles: ["partner", "admin"],
      params: endpointParams,
      status: 202,
      response: z.object({ id: z.string(), deliveryId: z.string() }).meta({ id: "TestEventResult" }),
      handler: async ({ application, params }) => {
        const endpoint = await existing(application.id, params.endpointId);
        const result = await ingestEvent(db, {
          applicationId: application.id,
          eventType: "webhook.test",
          payloadJson: JSON.stringify({
            endpointId: endpoint.id,
            message: "This is a test event from Hookline.",
          }),
          onlyEndpointId: endpoint.id,
        });
        announceStreamEvents(redis, config.queuePrefix, application.id, logger);
        const [delivery] = result.deliveries;
        if (!delivery) throw new Error("test event created no delivery");
        await enqueueAccepted(queue, logger, [delivery.id]);
        return { id: result.event.id, deliveryId: delivery.id };
      },
    }),
  ];
}
