export * from "./endpoints.js";
export * from "./events.js";
export * from "./tenancy.js";
