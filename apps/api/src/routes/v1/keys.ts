// /v1/keys: API keys for the three roles (admin only). The key text is returned once, at creation.
import { ROLES } from "@hookline/core";
import { type ApiKey, createApiKey, findApplication, listApiKeys, revokeApiKey } from "@hookline/db";
import { z } from "zod";
import type { ApiDeps } from "../../deps.js";
import { HttpProblem } from "../../problem.js";
import { defineRoute, noContent, notFound } from "../../route.js";
import { idParam, listOf, pageQuery, timestamp } from "./common.js";

const createKeyBody = z
  .strictObject({
    role: z.enum(ROLES),
    applicationId: z.string().min(1).max(256).optional(),
    name: z.string().max(256).optional(),
  })
  .refine((body) => body.role !== "partner" || body.applicationId !== undefined, {
    message: "partner keys belong to one application: give applicationId",
    path: ["applicationId"],
  })
  .refine((body) => body.role !== "admin" || body.applicationId === undefined, {
    message: "admin keys are not bound to an application",
    path: ["applicationId"],
  });

const apiKeyOut = z
  .object({
    id: z.string(),
    role: z.enum(ROLES),
    applicationId: z.string().nullable(),
    name: z.string().nullable(),
    hint: z.string(),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });

const createdKeyOut = apiKeyOut.extend({ key: z.string() }).meta({ id: "CreatedApiKey" });

function toApiKeyOut(record: ApiKey): z.input<typeof apiKeyOut> {
  return {
    id: record.id,
    role: record.role,
    applicationId: record.applicationId,
    name: record.name,
    hint: record.hint,
    createdAt: record.createdAt.toISOString(),
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}

export function keyRoutes({ db }: ApiDeps) {
  return [
    defineRoute({
      method: "post",
      path: "/v1/keys",
      operationId: "v1.key.create",
      summary: "Create an API key (the key text is shown only in this answer)",
      tags: ["Keys"],
      roles: ["admin"],
      body: createKeyBody,
      status: 201,
      response: createdKeyOut,
      handler: async ({ body }) => {
        let applicationId: string | undefined;
        if (body.applicationId) {
          const application = await findApplication(db, body.applicationId);
          if (!application) throw new HttpProblem("invalid-request", `no application ${body.applicationId}`);
          applicationId = application.id;
        }
        const { key, record } = await createApiKey(db, { role: body.role, applicationId, name: body.name });
        return { ...toApiKeyOut(record), key };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/keys",
      operationId: "v1.key.list",
      summary: "List API keys (hints only, never the keys)",
      tags: ["Keys"],
      roles: ["admin"],
      query: z.strictObject(pageQuery),
      response: listOf(apiKeyOut),
      handler: async ({ query }) => {
        const page = await listApiKeys(db, query);
        return { data: page.data.map(toApiKeyOut), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: "delete",
      path: "/v1/keys/:keyId",
      operationId: "v1.key.revoke",
      summary: "Revoke an API key",
      tags: ["Keys"],
      roles: ["admin"],
      params: z.strictObject({ keyId: idParam("apiKey") }),
      response: noContent,
      handler: async ({ params }) => {
        const revoked = await revokeApiKey(db, params.keyId);
        if (!revoked) throw notFound("active key", params.keyId);
      },
    }),
  ];
}
