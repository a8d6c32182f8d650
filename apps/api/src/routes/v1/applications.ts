// /v1/applications: tenants (admin only).
import { type Application, createApplication, listApplications } from "@hookline/db";
import { z } from "zod";
import type { ApiDeps } from "../../deps.js";
import { HttpProblem } from "../../problem.js";
import { defineRoute } from "../../route.js";
import { appIdParam, listOf, pageQuery, timestamp } from "./common.js";

const createApplicationBody = z.strictObject({
  name: z.string().trim().min(1).max(256),
  uid: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,256}$/, "must be 1–256 letters, digits, or . _ -")
    .refine((uid) => !uid.startsWith("app_"), "must not start with app_ (reserved for ids)")
    .optional(),
});

export const applicationOut = z
  .object({
    id: z.string(),
    uid: z.string().nullable(),
    name: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Application" });

export function toApplicationOut(application: Application): z.input<typeof applicationOut> {
  return {
    id: application.id,
    uid: application.uid,
    name: application.name,
    createdAt: application.createdAt.toISOString(),
    updatedAt: application.updatedAt.toISOString(),
  };
}

export function applicationRoutes({ db }: ApiDeps) {
  return [
    defineRoute({
      method: "post",
      path: "/v1/applications",
      operationId: "v1.application.create",
      summary: "Create an application (a tenant)",
      tags: ["Applications"],
      roles: ["admin"],
      body: createApplicationBody,
      status: 201,
      response: applicationOut,
      problems: [409],
      handler: async ({ body }) => {
        const result = await createApplication(db, body);
        switch (result.kind) {
          case "created":
            return toApplicationOut(result.application);
          case "uid-taken":
            throw new HttpProblem("conflict", `an application with uid ${JSON.stringify(result.uid)} exists`);
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/applications",
      operationId: "v1.application.list",
      summary: "List applications",
      tags: ["Applications"],
      roles: ["admin"],
      query: z.strictObject(pageQuery),
      response: listOf(applicationOut),
      handler: async ({ query }) => {
        const page = await listApplications(db, query);
        return { data: page.data.map(toApplicationOut), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/applications/:appId",
      operationId: "v1.application.get",
      summary: "Get an application by id or uid",
      tags: ["Applications"],
      roles: ["admin"],
      params: z.strictObject({ appId: appIdParam }),
      response: applicationOut,
      handler: async ({ application }) => toApplicationOut(application),
    }),
  ];
}
