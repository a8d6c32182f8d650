// Verifying one delivery: headers present, timestamp within tolerance, a v1 signature made with one
// of our secrets, a JSON body. Every failure is a `WebhookVerificationError` with its own code.
import {
  type AcceptedHeaderStyle,
  HEADER_NAMES,
  type HeaderInput,
  type HeaderStyle,
  missingNames,
  readSignatureHeaders,
} from "./headers.js";
import { type SecretInput, secretKeys } from "./secret.js";
import { findMatchingSignature, parseSignatureHeader, type RawBody, SIGNATURE_VERSION } from "./signature.js";
import { WebhookVerificationError } from "./verification-error.js";

export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface VerifyOptions {
  /** How far, in seconds, a timestamp may lie from now in either direction. Default 300. */
  toleranceSeconds?: number;
  /** The moment to judge timestamps against. Default: the current time. */
  now?: Date;
  /** Which header names to read. Default `any`: the standard names, else the Svix ones. */
  headerStyle?: AcceptedHeaderStyle;
}

/** A delivery that passed verification. */
export interface VerifiedWebhook<TPayload = unknown> {
  /** The `webhook-id`: the same on every retry of one event, hence the idempotency key. */
  id: string;
  /** The `webhook-timestamp`, in seconds since the Unix epoch. */
  timestamp: number;
  payload: TPayload;
  /** Which header names the delivery used. */
  headerStyle: HeaderStyle;
}

/** Verifies one delivery; `now` defaults to the current time. */
export type Verifier = <TPayload = unknown>(
  headers: HeaderInput,
  body: RawBody,
  now?: Date,
) => VerifiedWebhook<TPayload>;

/**
 * A verifier bound to its secrets; the secrets are checked here, once, so a misconfigured receiver
 * fails at start-up rather than on its first delivery.
 *
 * @example
 * const verifyWebhook = createVerifier(process.env.WEBHOOK_SECRET);
 * const { id, payload } = verifyWebhook(request.headers, rawBody);
 */
export function createVerifier(secrets: SecretInput, options: Omit<VerifyOptions, "now"> = {}): Verifier {
  const keys = secretKeys(secrets);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const accepted = options.headerStyle ?? "any";
  return <TPayload>(headers: HeaderInput, body: RawBody, now = new Date()): VerifiedWebhook<TPayload> => {
    const found = readSignatureHeaders(headers, accepted);
    const missing = missingNames(found);
    if (found.id === undefined || found.timestamp === undefined || found.signature === undefined) {
      throw new WebhookVerificationError("missing-headers", `missing header(s): ${missing.join(", ")}`);
    }
    const names = HEADER_NAMES[found.style];
    const timestamp = checkTimestamp(found.timestamp, names.timestamp, now, tolerance);
    const entries = parseSignatureHeader(found.signature);
    const v1Count = entries.filter((entry) => entry.version === SIGNATURE_VERSION).length;
    if (v1Count === 0) {
      const versions = [...new Set(entries.map((entry) => entry.version))].join(", ");
      throw new WebhookVerificationError(
        "unsupported-signature-version",
        `${names.signature} carries no ${SIGNATURE_VERSION} signature (found: ${clip(versions)})`,
      );
    }
    if (findMatchingSignature(keys, found.id, found.timestamp, body, entries) === undefined) {
      throw new WebhookVerificationError(
        "no-matching-signature",
        `none of the ${v1Count} ${SIGNATURE_VERSION} signature(s) in ${names.signature} matches this body ` +
          `signed with the ${keys.length} configured secret(s)`,
      );
    }
    return { id: found.id, timestamp, payload: parseJsonBody(body) as TPayload, headerStyle: found.style };
  };
}

/** Verifies one delivery, or throws a `WebhookVerificationError` saying why it is refused. */
export function verify<TPayload = unknown>(
  headers: HeaderInput,
  body: RawBody,
  secrets: SecretInput,
  options: VerifyOptions = {},
): VerifiedWebhook<TPayload> {
  return createVerifier(secrets, options)<TPayload>(headers, body, options.now);
}

/** Unix seconds from a header, or `invalid-timestamp`. Only plain digits: no ms, no ISO dates. */
export function parseTimestamp(text: string, headerName: string): number {
  const seconds = /^\d{1,12}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError(
      "invalid-timestamp",
      `${headerName} must be whole seconds since the Unix epoch, got "${clip(text)}"`,
    );
  }
  return seconds;
}

function checkTimestamp(text: string, headerName: string, now: Date, toleranceSeconds: number): number {
  const timestamp = parseTimestamp(text, headerName);
  const age = Math.floor(now.getTime() / 1000) - timestamp;
  if (age > toleranceSeconds) {
    throw new WebhookVerificationError(
      "timestamp-too-old",
      `${headerName} is ${age} s old, past the ${toleranceSeconds} s tolerance: a late delivery or a replay`,
    );
  }
  if (-age > toleranceSeconds) {
    throw new WebhookVerificationError(
      "timestamp-too-new",
      `${headerName} is ${-age} s in the future, past the ${toleranceSeconds} s tolerance: ` +
        "check the sender's and this server's clocks",
    );
  }
  return timestamp;
}

/** The body as JSON, or `invalid-body`; bytes must be valid UTF-8 (JSON's encoding). */
export function parseJsonBody(body: RawBody): unknown {
  let text: string;
  try {
    text = typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new WebhookVerificationError("invalid-body", "the body is not valid UTF-8, so it cannot be JSON");
  }
  if (text.trim() === "") {
    throw new WebhookVerificationError("invalid-body", "the body is empty; a webhook carries a JSON payload");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebhookVerificationError("invalid-body", `the body is not valid JSON (${reason})`);
  }
}

/** Header values come from the sender: echo only a bounded piece of them. */
export function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
