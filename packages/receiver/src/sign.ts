// The sending side, for tests and for senders that are not Hookline: the headers a Standard
// Webhooks (or Svix-style) delivery carries.
import { HEADER_NAMES, type HeaderStyle } from "./headers.js";
import { type SecretInput, secretKey, secretKeys } from "./secret.js";
import { computeSignature, type RawBody, SIGNATURE_VERSION } from "./signature.js";

export interface SignInput {
  /** The secret to sign with, or several while a rotation is in progress: one signature each. */
  secret: SecretInput;
  /** The message id, constant across retries of one event. */
  id: string;
  /** When this attempt is sent: a Date or Unix seconds. Default: now. */
  timestamp?: Date | number;
  /** The exact body that will be sent. */
  body: RawBody;
  /** Header names to use. Default `standard`. */
  headerStyle?: HeaderStyle;
}

/**
 * The `*-id`, `*-timestamp` and `*-signature` headers for one delivery.
 *
 * @example
 * const headers = sign({ secret: "whsec_…", id: "msg_1", body: JSON.stringify(event) });
 * await fetch(url, { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
 */
export function sign(input: SignInput): Record<string, string> {
  const timestamp = toSeconds(input.timestamp ?? new Date());
  const names = HEADER_NAMES[input.headerStyle ?? "standard"];
  const signatures = secretKeys(input.secret).map(
    (key) => `${SIGNATURE_VERSION},${computeSignature(key, input.id, timestamp, input.body)}`,
  );
  return {
    [names.id]: input.id,
    [names.timestamp]: String(timestamp),
    [names.signature]: signatures.join(" "),
  };
}

/** One `v1,<base64>` signature entry. */
export function signatureFor(secret: string, id: string, timestamp: Date | number, body: RawBody): string {
  return `${SIGNATURE_VERSION},${computeSignature(secretKey(secret), id, toSeconds(timestamp), body)}`;
}

function toSeconds(timestamp: Date | number): number {
  return timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : Math.floor(timestamp);
}
