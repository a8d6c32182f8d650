// Standard Webhooks signing (https://www.standardwebhooks.com): what the worker puts on the wire.
// Signed content is `${id}.${timestamp}.${body}`, keyed with the bytes behind `whsec_`.
import { createHmac, randomBytes } from "node:crypto";

export const SECRET_PREFIX = "whsec_";

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(bytes = 32): string {
  return SECRET_PREFIX + randomBytes(bytes).toString("base64");
}

export function secretBytes(secret: string): Buffer {
  const base64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(base64, "base64");
}

/** One `v1,<base64>` signature of a message. */
export function signatureOf(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secretBytes(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest("base64");
  return `v1,${mac}`;
}

/** The signature header value: one signature per valid secret, space-separated (rotation). */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
) {
  return secrets.map((secret) => signatureOf(secret, id, timestampSeconds, body)).join(" ");
}

export type HeaderStyle = "standard" | "svix";

export const SIGNATURE_HEADER_NAMES = {
  standard: { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" },
  svix: { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" },
} as const satisfies Record<HeaderStyle, { id: string; timestamp: string; signature: string }>;

/** The three signature headers for one attempt, named per the endpoint's style. */
export function signatureHeaders(input: {
  style: HeaderStyle;
  secrets: readonly string[];
  id: string;
  timestampSeconds: number;
  body: string;
}): Record<string, string> {
  const names = SIGNATURE_HEADER_NAMES[input.style];
  return {
    [names.id]: input.id,
    [names.timestamp]: String(input.timestampSeconds),
    [names.signature]: signatureHeader(input.secrets, input.id, input.timestampSeconds, input.body),
  };
}

/** The body every receiver gets: `{type, timestamp, data}`. */
export function webhookBody(event: { type: string; createdAt: Date; payload: unknown }): string {
  return JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: event.payload });
}
