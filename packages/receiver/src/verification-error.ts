// The one error verification throws: a `code` per failure kind, so callers (the Express middleware,
// the CLI) map each kind to a status or an explanation with an exhaustive switch.

export type VerificationFailure =
  | "missing-headers"
  | "invalid-timestamp"
  | "timestamp-too-old"
  | "timestamp-too-new"
  | "no-matching-signature"
  | "unsupported-signature-version"
  | "invalid-body"
  | "invalid-secret";

export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";

  constructor(
    readonly code: VerificationFailure,
    message: string,
  ) {
    super(message);
  }
}

export function isWebhookVerificationError(error: unknown): error is WebhookVerificationError {
  return error instanceof WebhookVerificationError;
}
