// The API's own description, generated from the same zod schemas that validate requests.
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { HOOKLINE_VERSION } from "@hookline/core";
import { problemSchema } from "./problem.js";
import { type AnyRoute, openApiPath } from "./route.js";

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "The request is invalid",
  401: "Missing or unknown API key",
  403: "The key's role may not do this",
  404: "Not found (or not this key's application)",
  409: "Conflict",
  413: "Payload too large",
  415: "The body is not JSON",
  429: "Rate limited",
  503: "A dependency is unavailable; retry",
};

export function buildOpenApiDocument(routes: readonly AnyRoute[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer" });
  const problem = { content: { "application/problem+json": { schema: problemSchema } } };
  for (const route of routes) {
    const problems = [
      400,
      401,
      403,
      ...(route.path.includes(":") ? [404] : []),
      ...(route.problems ?? []),
      503,
    ];
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      operationId: route.operationId,
      summary: route.summary,
      tags: route.tags,
      security: [{ apiKey: [] }],
      description: `Allowed for: ${route.roles.join(", ")} keys.`,
      "x-hookline-roles": route.roles,
      request: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { query: route.query } : {}),
        ...(route.body
          ? { body: { content: { "application/json": { schema: route.body } }, required: true } }
          : {}),
      },
      responses: {
        [route.status ?? 200]:
          route.status === 204 || route.response.safeParse(undefined).success
            ? { description: "Done" }
            : { description: "OK", content: { "application/json": { schema: route.response } } },
        ...Object.fromEntries(
          problems.map((status) => [
            status,
            { description: PROBLEM_DESCRIPTIONS[status] ?? "Error", ...problem },
          ]),
        ),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Hookline API",
      version: HOOKLINE_VERSION,
      description:
        "Outbound webhooks: send events, manage endpoints, inspect deliveries, replay dead letters.",
    },
    servers: [{ url: "/" }],
  });
}
