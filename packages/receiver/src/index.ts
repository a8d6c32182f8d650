// @hookline/receiver: verify Standard Webhooks (and Svix-style) deliveries and process each
// webhook id once. Usable with any sender; nothing here depends on Hookline itself.
export { DEFAULT_RETRY, type RetryOptions, retryDelay } from "./backoff.js";
export {
  type CheckName,
  type Diagnosis,
  type DiagnosisCause,
  type DiagnosisCheck,
  diagnose,
} from "./diagnose.js";
export {
  type ReceivedWebhook,
  statusFor,
  type WebhookMiddlewareOptions,
  webhookMiddleware,
} from "./express.js";
export {
  type AcceptedHeaderStyle,
  HEADER_NAMES,
  type HeaderInput,
  type HeaderStyle,
} from "./headers.js";
export {
  type AcceptOutcome,
  createIdempotentHandler,
  type HandlerContext,
  type IdempotentHandler,
  type IdempotentHandlerOptions,
  type WebhookEvent,
} from "./idempotent-handler.js";
export type { Problem } from "./problem.js";
export { SECRET_PREFIX, type SecretInput } from "./secret.js";
export { type SignInput, sign, signatureFor } from "./sign.js";
export { computeSignature, type RawBody } from "./signature.js";
export { MemoryStore, type MemoryStoreOptions } from "./stores/memory-store.js";
export { DEFAULT_TABLE_NAME, PostgresStore, type PostgresStoreOptions } from "./stores/postgres-store.js";
export {
  DEFAULT_REDIS_PREFIX,
  DEFAULT_RETENTION_SECONDS,
  RedisStore,
  type RedisStoreOptions,
} from "./stores/redis-store.js";
export type {
  EventRecord,
  EventState,
  IdempotencyStore,
  Lease,
  RecoveredEvent,
  StoredEvent,
} from "./stores/store.js";
export {
  isWebhookVerificationError,
  type VerificationFailure,
  WebhookVerificationError,
} from "./verification-error.js";
export {
  createVerifier,
  DEFAULT_TOLERANCE_SECONDS,
  type VerifiedWebhook,
  type Verifier,
  type VerifyOptions,
  verify,
} from "./verify.js";
