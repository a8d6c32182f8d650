export { createApp, v1Routes } from "./app.js";
export { type AdminKeyStatus, bootstrapAdminKey, describeAdminKey } from "./bootstrap-admin.js";
export type { ApiDeps } from "./deps.js";
export type { AnyRoute } from "./route.js";
export { type RunningApi, startApi } from "./server.js";
