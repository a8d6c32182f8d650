export * from "./cuttable-proxy.js";
export * from "./platform.js";
export * from "./receiver.js";
export * from "./services.js";
export * from "./test-database.js";
export * from "./wait-for.js";
