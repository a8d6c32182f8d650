// The route builder: one declaration per operation gives the Express handler (auth, role,
// application scope, zod validation, response) and its OpenAPI description, so the two cannot
// drift apart.
import type { Role } from "@hookline/core";
import type { Application } from "@hookline/db";
import type { Request, Response, Router } from "express";
import { type ZodType, z } from "zod";
import { type Authenticator, canAccessApplication, type Principal, requireRole } from "./auth.js";
import { fromZodError, HttpProblem } from "./problem.js";
import { enforceRateLimit, type RateLimiters, type RateLimitName } from "./rate-limiter.js";

export type RouteContext<P, Q, B> = {
  params: P;
  query: Q;
  body: B;
  principal: Principal;
  /** The application named by `:appId`, already checked against the caller's key. */
  application: Application;
  req: Request;
  res: Response;
};

export type RouteSpec<P extends ZodType, Q extends ZodType, B extends ZodType, R extends ZodType> = {
  method: "get" | "post" | "patch" | "put" | "delete";
  /** Express syntax (`/v1/applications/:appId`); OpenAPI gets `{appId}`. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** Who may call it. Routes under `:appId` also require a bound key to match the application. */
  roles: readonly Role[];
  /** A per-key rate limit this operation counts against (checked once the request is valid, before
   * any work): one event per request, or what `rateLimitCost` counts in its body. */
  rateLimit?: RateLimitName;
  rateLimitCost?: (body: z.output<B>) => number;
  params?: P;
  query?: Q;
  body?: B;
  status?: number;
  response: R;
  /** Further documented answers besides 400/401/403/404. */
  problems?: number[];
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<z.input<R>>;
};

// biome-ignore lint/suspicious/noExplicitAny: a list of routes holds routes of every shape
export type AnyRoute = RouteSpec<any, any, any, any>;

export function defineRoute<
  P extends ZodType = ZodType<Record<string, never>>,
  Q extends ZodType = ZodType<Record<string, never>>,
  B extends ZodType = ZodType<undefined>,
  R extends ZodType = ZodType,
>(spec: RouteSpec<P, Q, B, R>): RouteSpec<P, Q, B, R> {
  return spec;
}

export type MountOptions = {
  authenticate: Authenticator;
  findApplication: (idOrUid: string) => Promise<Application | undefined>;
  /** Check every response against its schema (tests): a mismatch is a bug, not a client error. */
  validateResponses?: boolean;
  /** The limiters that `rateLimit` names; a name without a limiter is unlimited. */
  rateLimiters?: RateLimiters;
};

export function mountRoute(router: Router, route: AnyRoute, options: MountOptions): void {
  const scoped = route.path.includes(":appId");
  router[route.method](route.path, async (req: Request, res: Response) => {
    const principal = await options.authenticate(req);
    const appId = String(req.params.appId ?? "");
    if (scoped && principal.applicationId !== null && principal.applicationId !== appId) {
      // Checked before the role so a foreign key learns nothing, not even which roles fit.
      const named = await options.findApplication(appId);
      if (!named || !canAccessApplication(principal, named.id)) throw notFound("application", appId);
    }
    requireRole(principal, route.roles);
    const application = scoped ? await options.findApplication(appId) : undefined;
    if (scoped && (!application || !canAccessApplication(principal, application.id))) {
      throw notFound("application", appId);
    }
    if (route.body && req.body === undefined && req.headers["content-length"] !== "0" && hasBody(req)) {
      throw new HttpProblem(
        "unsupported-media-type",
        "send the body as JSON with `content-type: application/json`",
      );
    }
    const ctx = {
      params: parse(route.params, req.params, "params"),
      query: parse(route.query, req.query, "query"),
      body: parse(route.body, req.body ?? (route.body ? {} : undefined), "body"),
      principal,
      application: application as Application,
      req,
      res,
    };
    if (route.rateLimit) {
      const cost = route.rateLimitCost?.(ctx.body) ?? 1;
      await enforceRateLimit(options.rateLimiters?.[route.rateLimit], principal.keyId, cost);
    }
    const result = await route.handler(ctx);
    if (options.validateResponses) {
      const checked = route.response.safeParse(result);
      if (!checked.success)
        throw new Error(`${route.operationId} answered off-schema: ${checked.error.message}`);
    }
    if (result === undefined) res.status(route.status ?? 204).end();
    else res.status(route.status ?? 200).json(result);
  });
}

export function notFound(what: string, id: string): HttpProblem {
  return new HttpProblem("not-found", `no ${what} ${JSON.stringify(id)} here`);
}

function hasBody(req: Request): boolean {
  return req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
}

function parse(schema: ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) {
    const empty =
      value === undefined || (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    if (empty || where === "params") return value ?? {};
    throw new HttpProblem("invalid-request", `this operation takes no ${where}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error, where);
  return parsed.data;
}

/** `/v1/applications/:appId` → `/v1/applications/{appId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, "{$1}");
}

export const noContent = z.void();
