// createApp(deps): the Express app with its middleware order: logs and metrics, health and docs,
// JSON parsing with size limits, the v1 routes, then one problem+json error handler.
import { findApplication } from "@hookline/db";
import express, { Router } from "express";
import { pinoHttp } from "pino-http";
import swaggerUi from "swagger-ui-express";
import { createAuthenticator } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import { headerCountLimit } from "./http-limits.js";
import { jsonDepthLimit } from "./json-depth.js";
import { createLookupCache } from "./lookup-cache.js";
import { createApiMetrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi.js";
import { HttpProblem, problemHandler } from "./problem.js";
import { createRedisRateLimiter, type RateLimiters } from "./rate-limiter.js";
import { type AnyRoute, mountRoute } from "./route.js";
import { healthRouter } from "./routes/health.js";
import { applicationRoutes } from "./routes/v1/applications.js";
import { deadLetterRoutes } from "./routes/v1/dead-letters.js";
import { deliveryRoutes } from "./routes/v1/deliveries.js";
import { endpointRoutes } from "./routes/v1/endpoints.js";
import { eventRoutes } from "./routes/v1/events.js";
import { batchEventRoutes } from "./routes/v1/events-batch.js";
import { keyRoutes } from "./routes/v1/keys.js";
import { STREAM_TOKEN_ROUTES, streamRoutes } from "./streams/routes.js";
import { acceptStreamTokens } from "./streams/stream-auth.js";

export type AppOptions = { validateResponses?: boolean };

/** Room in a request body for the envelope around the largest accepted payload. */
const ENVELOPE_BYTES = 16 * 1024;
/** Every scoped request looks its application up; applications never change once created (there
 * is no update or delete), so a found one is kept this long. */
const APPLICATION_CACHE_TTL_MS = 60_000;

export function v1Routes(deps: ApiDeps): AnyRoute[] {
  return [
    ...applicationRoutes(deps),
    ...keyRoutes(deps),
    ...eventRoutes(deps),
    ...batchEventRoutes(deps),
    ...endpointRoutes(deps),
    ...deliveryRoutes(deps),
    ...deadLetterRoutes(deps),
    ...streamRoutes(deps),
  ];
}

export function createApp(deps: ApiDeps, options: AppOptions = {}) {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  // No ETag: Express would hash every JSON answer (a SHA-1 per ingest) for conditional GETs that API
  // clients do not make.
  app.set("etag", false);
  const routes = v1Routes(deps);
  const openapi = buildOpenApiDocument(routes);
  const metrics = createApiMetrics();

  // Request logs are written at info. Above it pino-http would still build a child logger per request
  // (serializing the request eagerly) to write nothing; the error handler logs failures itself.
  if (deps.logger.isLevelEnabled("info")) {
    app.use(pinoHttp({ logger: deps.logger, autoLogging: { ignore: (req) => req.url === "/healthz" } }));
  }
  app.use(metrics.middleware);
  app.use(headerCountLimit(deps.config.maxHeaders));
  app.use(healthRouter(deps));
  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get("/openapi.json", (_req, res) => {
    res.json(openapi);
  });
  app.use("/docs", swaggerUi.serve, swaggerUi.setup(openapi as object));

  // Batch ingest has a larger limit of its own; the general parser then skips the parsed body.
  app.use("/v1/applications/:appId/events/batch", express.json({ limit: deps.config.maxBatchBytes }));
  app.use(express.json({ limit: deps.config.maxPayloadBytes + ENVELOPE_BYTES }));
  app.use(jsonDepthLimit());
  const v1 = Router();
  const authenticator = createAuthenticator(deps.db, { cacheTtlMs: deps.config.authCacheTtlMs });
  const applications = createLookupCache((idOrUid) => findApplication(deps.db, idOrUid), {
    ttlMs: APPLICATION_CACHE_TTL_MS,
  });
  const mountOptions = {
    authenticate: deps.streams
      ? acceptStreamTokens(authenticator, {
          db: deps.db,
          tokens: deps.streams.tokens,
          tokenRoutes: STREAM_TOKEN_ROUTES,
        })
      : authenticator,
    findApplication: (idOrUid: string) => applications.get(idOrUid),
    validateResponses: options.validateResponses ?? false,
    rateLimiters: rateLimitersFor(deps),
  };
  for (const route of routes) mountRoute(v1, route, mountOptions);
  app.use(v1);

  app.use((req, _res, next) => {
    next(new HttpProblem("not-found", `no route for ${req.method} ${req.path}`));
  });
  app.use(problemHandler(deps.logger));
  return { app, routes, openapi };
}

function rateLimitersFor(deps: ApiDeps): RateLimiters {
  const ingest = deps.config.ingestRateLimit;
  return {
    ingest: ingest
      ? createRedisRateLimiter({
          redis: deps.redis,
          keyPrefix: `${deps.config.queuePrefix}:rate-limit:ingest`,
          limit: ingest,
          logger: deps.logger,
        })
      : undefined,
  };
}
