// Express 5 middleware: reads the raw body, verifies it, and either answers a problem+json 4xx or
// hands `req.webhook` to the next handler. It must run before any JSON body parser on its route.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { AcceptedHeaderStyle } from "./headers.js";
import { problem, sendProblem } from "./problem.js";
import { BodyReadError, DEFAULT_MAX_BODY_BYTES, readRawBody } from "./raw-body.js";
import { type VerificationFailure, WebhookVerificationError } from "./verification-error.js";
import { createVerifier, type VerifiedWebhook } from "./verify.js";

/** What the middleware leaves on `req.webhook` for the handlers after it. */
export interface ReceivedWebhook<TPayload = unknown> extends VerifiedWebhook<TPayload> {
  /** The body exactly as received, for storing or forwarding. */
  rawBody: Buffer;
}

declare global {
  namespace Express {
    interface Request {
      /** Set by `webhookMiddleware` once the delivery is verified. */
      webhook?: ReceivedWebhook;
    }
  }
}

interface CommonOptions {
  /** How far, in seconds, a timestamp may lie from now in either direction. Default 300. */
  toleranceSeconds?: number;
  /** Which header names to read. Default `any`: the standard names, else the Svix ones. */
  headerStyle?: AcceptedHeaderStyle;
  /** Largest body read, in bytes; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** The clock timestamps are judged against. Default: the system clock. */
  now?: () => Date;
}

interface OneSecret {
  /** The endpoint's signing secret, `whsec_…`. */
  secret: string;
  secrets?: never;
}

interface SeveralSecrets {
  /** Every secret currently valid, e.g. the old and the new one during a rotation. */
  secrets: readonly string[];
  secret?: never;
}

export type WebhookMiddlewareOptions = CommonOptions & (OneSecret | SeveralSecrets);

/**
 * Verifies Standard Webhooks (and Svix-style) deliveries. Throws at once if a secret is malformed.
 *
 * @example
 * app.post("/webhooks", webhookMiddleware({ secret: process.env.WEBHOOK_SECRET }), (req, res) => {
 *   console.log(req.webhook?.id, req.webhook?.payload);
 *   res.sendStatus(204);
 * });
 */
export function webhookMiddleware(options: WebhookMiddlewareOptions): RequestHandler {
  const verifier = createVerifier(options.secrets ?? options.secret ?? [], options);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? (() => new Date());

  return async (req: Request, res: Response, next: NextFunction) => {
    let rawBody: Buffer;
    try {
      rawBody = await readRawBody(req, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyReadError)) return next(error);
      return sendProblem(res, problem(error.code, error.status, titleForBodyError(error), error.message));
    }
    try {
      req.webhook = { ...verifier(req.headers, rawBody, now()), rawBody };
    } catch (failure) {
      if (!(failure instanceof WebhookVerificationError)) return next(failure);
      return sendProblem(
        res,
        problem(failure.code, statusFor(failure.code), titleFor(failure.code), failure.message),
      );
    }
    req.body = rawBody;
    next();
  };
}

/** 401 when the sender is not who it claims (or replays), 400 when the request is malformed. */
export function statusFor(code: VerificationFailure): number {
  switch (code) {
    case "no-matching-signature":
    case "timestamp-too-old":
    case "timestamp-too-new":
      return 401;
    case "missing-headers":
    case "invalid-timestamp":
    case "unsupported-signature-version":
    case "invalid-body":
      return 400;
    case "invalid-secret":
      return 500;
  }
}

function titleFor(code: VerificationFailure): string {
  switch (code) {
    case "missing-headers":
      return "Missing webhook headers";
    case "invalid-timestamp":
      return "Invalid webhook timestamp";
    case "timestamp-too-old":
      return "Webhook timestamp too old";
    case "timestamp-too-new":
      return "Webhook timestamp too new";
    case "no-matching-signature":
      return "Invalid webhook signature";
    case "unsupported-signature-version":
      return "Unsupported webhook signature version";
    case "invalid-body":
      return "Invalid webhook body";
    case "invalid-secret":
      return "Receiver misconfigured";
  }
}

function titleForBodyError(error: BodyReadError): string {
  switch (error.code) {
    case "payload-too-large":
      return "Payload too large";
    case "unsupported-encoding":
      return "Unsupported content encoding";
    case "body-already-parsed":
      return "Receiver misconfigured";
    case "unreadable-body":
      return "Unreadable body";
  }
}
