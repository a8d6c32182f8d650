export * from "./api-keys.js";
export * from "./config.js";
export * from "./duration.js";
export * from "./event-filter.js";
export * from "./ids.js";
export * from "./retry-schedule.js";
export * from "./secret-box.js";
export * from "./signing.js";
