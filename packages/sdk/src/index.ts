// @hookline/sdk: a typed client for Hookline's API v1. Types are generated from /openapi.json
// (`npm run sdk:generate`); the resources wrap each operation and throw typed errors.
export { HooklineApiError, isHooklineApiError, type ProblemKind } from "./api-error.js";
export { createHooklineClient, type HooklineClient } from "./client.js";
export { HooklineConnectionError } from "./connection-error.js";
export { collect, type Page, paginate } from "./pagination.js";
export { streamUrl } from "./resources/streams.js";
export type { components, operations, paths } from "./schema.js";
export type { ApiClient, HooklineClientOptions } from "./transport.js";
export type * from "./types.js";
