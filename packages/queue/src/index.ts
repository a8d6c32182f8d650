export * from "./delivery-queue.js";
export * from "./endpoint-changes.js";
export * from "./redis.js";
