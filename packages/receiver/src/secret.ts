// Signing secrets: `whsec_` + base64 of the key bytes. The prefix is optional on input, as in the
// reference verifier, but the base64 must be clean: a typo here must not silently become a new key.
import { WebhookVerificationError } from "./verification-error.js";

export const SECRET_PREFIX = "whsec_";

/** One secret, or several while a rotation is in progress (any of them may have signed). */
export type SecretInput = string | readonly string[];

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The key bytes behind a secret; throws `invalid-secret` naming what is wrong, never the secret. */
export function secretKey(secret: string, position = 0): Buffer {
  const label = `secret #${position + 1}`;
  if (typeof secret !== "string" || secret.trim() === "") {
    throw new WebhookVerificationError("invalid-secret", `${label} is empty`);
  }
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded)) {
    throw new WebhookVerificationError(
      "invalid-secret",
      `${label} is not "${SECRET_PREFIX}" followed by base64 (found characters outside A-Z a-z 0-9 + / =)`,
    );
  }
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0) {
    throw new WebhookVerificationError("invalid-secret", `${label} decodes to no key bytes`);
  }
  return key;
}

/** The key bytes of every secret given; at least one is required. */
export function secretKeys(secrets: SecretInput): Buffer[] {
  const list = typeof secrets === "string" ? [secrets] : [...secrets];
  if (list.length === 0) {
    throw new WebhookVerificationError("invalid-secret", "no secret was given to verify with");
  }
  return list.map((secret, position) => secretKey(secret, position));
}
