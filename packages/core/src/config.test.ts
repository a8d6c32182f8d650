import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const key = randomBytes(32).toString("base64");

describe("loadConfig", () => {
  it("defaults to the local services and the Standard Webhooks schedule", () => {
    const config = loadConfig({ HOOKLINE_ENCRYPTION_KEY: key });
    expect(config.databaseUrl).toBe("postgres://root@127.0.0.1:5432/hookline");
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.port).toBe(8080);
    expect(config.retryScheduleMs[0]).toBe(5_000);
    expect(config.maxPayloadBytes).toBe(256 * 1024);
    expect(config.requestTimeoutMs).toBe(15_000);
  });

  it("parses durations, lists and numbers", () => {
    const config = loadConfig({
      HOOKLINE_ENCRYPTION_KEY: key,
      HOOKLINE_RETRY_SCHEDULE: "100ms, 2s,1m",
      HOOKLINE_ALLOWED_DESTINATIONS: "127.0.0.0/8, receiver.test",
      HOOKLINE_WORKER_CONCURRENCY: "7",
    });
    expect(config.retryScheduleMs).toEqual([100, 2_000, 60_000]);
    expect(config.allowedDestinations).toEqual(["127.0.0.0/8", "receiver.test"]);
    expect(config.workerConcurrency).toBe(7);
  });

  it("names every bad variable", () => {
    const attempt = () =>
      loadConfig({ HOOKLINE_ENCRYPTION_KEY: "short", PORT: "http", HOOKLINE_RETRY_SCHEDULE: "5s,soon" });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/HOOKLINE_ENCRYPTION_KEY/);
    expect(attempt).toThrow(/PORT/);
    expect(attempt).toThrow(/"soon" is not a duration/);
  });

  it("requires an encryption key in production", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(
      /HOOKLINE_ENCRYPTION_KEY: required in production/,
    );
  });
});
