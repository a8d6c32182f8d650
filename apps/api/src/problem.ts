// Every error the API answers with, rendered as application/problem+json (RFC 9457) in one place.
import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";

export type ProblemKind =
  | "invalid-request"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "payload-too-large"
  | "request-timeout"
  | "headers-too-large"
  | "unsupported-media-type"
  | "rate-limited"
  | "method-not-allowed"
  | "upgrade-required"
  | "unavailable"
  | "internal";

const STATUS: Record<ProblemKind, number> = {
  "invalid-request": 400,
  unauthorized: 401,
  forbidden: 403,
  "not-found": 404,
  "method-not-allowed": 405,
  conflict: 409,
  "request-timeout": 408,
  "payload-too-large": 413,
  "headers-too-large": 431,
  "unsupported-media-type": 415,
  "rate-limited": 429,
  "upgrade-required": 426,
  internal: 500,
  unavailable: 503,
};

const TITLE: Record<ProblemKind, string> = {
  "invalid-request": "The request is invalid",
  unauthorized: "Authentication required",
  forbidden: "Not allowed",
  "not-found": "Not found",
  "method-not-allowed": "Method not allowed",
  conflict: "Conflict",
  "request-timeout": "Request timeout",
  "payload-too-large": "Payload too large",
  "headers-too-large": "Request header fields too large",
  "unsupported-media-type": "Unsupported media type",
  "rate-limited": "Too many requests",
  "upgrade-required": "Upgrade required",
  internal: "Internal error",
  unavailable: "Service unavailable",
};

export type FieldError = { path: string; message: string };

/** An error that is an answer: thrown by routes and middleware, rendered by `problemHandler`. */
export class HttpProblem extends Error {
  readonly status: number;
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
    this.status = STATUS[kind];
  }
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });

export function sendProblem(res: Response, problem: HttpProblem): void {
  if (problem.extra.retryAfterSeconds !== undefined)
    res.setHeader("retry-after", problem.extra.retryAfterSeconds);
  if (problem.kind === "unauthorized") res.setHeader("www-authenticate", 'Bearer realm="hookline"');
  res.status(problem.status).type("application/problem+json").send(problemJson(problem));
}

/** The problem+json body of an answer (also written raw to sockets that never became requests). */
export function problemJson(problem: HttpProblem): string {
  return JSON.stringify({
    type: `/problems/${problem.kind}`,
    title: TITLE[problem.kind],
    status: problem.status,
    detail: problem.detail,
    ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
  });
}

export function fromZodError(error: z.ZodError, where: string): HttpProblem {
  const errors = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const summary = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
  return new HttpProblem("invalid-request", summary, { errors });
}

/** Maps body-parser's errors (bad JSON, too large, bad charset) to their problems. */
function fromParserError(error: {
  type?: string;
  status?: number;
  message?: string;
}): HttpProblem | undefined {
  switch (error.type) {
    case "entity.parse.failed":
      return new HttpProblem("invalid-request", `the body is not valid JSON: ${error.message}`);
    case "entity.too.large":
      return new HttpProblem("payload-too-large", "the request body is larger than this API accepts");
    case "charset.unsupported":
    case "encoding.unsupported":
      return new HttpProblem("unsupported-media-type", error.message ?? "unsupported encoding");
    case "request.aborted":
    case "request.size.invalid":
    case "stream.encoding.set":
      return new HttpProblem("invalid-request", error.message ?? "the request body could not be read");
    default:
      if (typeof error.status === "number" && error.status >= 400 && error.status < 500) {
        return new HttpProblem("invalid-request", error.message ?? "bad request");
      }
      return undefined;
  }
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem =
      error instanceof HttpProblem
        ? error
        : (fromParserError(error) ??
          fromUnstorableInput(error, logger, req.url) ??
          unavailableOrInternal(error, logger, req.url));
    if (res.headersSent) {
      res.end();
      return;
    }
    sendProblem(res, problem);
  };
}

/**
 * Postgres refusing a value the request carried (class 22 "data exception": a NUL character in
 * text, `\u0000` in a JSON payload, a number out of range; 54001: JSON nested too deep) is the
 * client's input, not our failure. Routes validate what they can; this catches what only the
 * database knows. The detail is Postgres's own sentence, never the query or its parameters.
 */
function fromUnstorableInput(error: unknown, logger: Logger, url: string): HttpProblem | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const { code, message, severity } = current as { code?: unknown; message?: unknown; severity?: unknown };
    if (typeof code === "string" && typeof severity === "string" && /^(22...|54001)$/.test(code)) {
      logger.info({ code, url }, "request refused by the database as unstorable");
      return new HttpProblem(
        "invalid-request",
        `the request holds a value that cannot be stored: ${typeof message === "string" ? message : code}`,
      );
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A failure of Postgres or Redis is a 503 the client may retry; anything else is our bug. */
function unavailableOrInternal(error: unknown, logger: Logger, url: string): HttpProblem {
  if (isInfrastructureError(error)) {
    logger.warn({ err: error, url }, "dependency unavailable");
    return new HttpProblem("unavailable", "a dependency of the API is unavailable; retry shortly", {
      retryAfterSeconds: 2,
    });
  }
  logger.error({ err: error, url }, "unhandled error");
  return new HttpProblem("internal", "an unexpected error occurred; it has been logged");
}

const INFRASTRUCTURE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "57P01",
  "57P03",
  "08006",
  "08001",
]);

export function isInfrastructureError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === "string" && INFRASTRUCTURE_CODES.has(code)) return true;
    if (
      typeof message === "string" &&
      /timeout exceeded when trying to connect|Connection terminated|Connection is closed|Stream isn't writeable/i.test(
        message,
      )
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
