// The fault-tolerance settings of config.ts: isolation, endpoint health, operator webhook, shutdown.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const key = randomBytes(32).toString("base64");

describe("fault-tolerance settings", () => {
  it("defaults: a quarter of the concurrency per endpoint, breaker after 10 failures, 5 days to disable", () => {
    const config = loadConfig({ HOOKLINE_ENCRYPTION_KEY: key, HOOKLINE_WORKER_CONCURRENCY: "40" });
    expect(config.endpointMaxInFlight).toBe(10);
    expect(config.breaker).toEqual({ failureThreshold: 10, coolDownMs: 30_000, maxCoolDownMs: 600_000 });
    expect(config.endpointDisableAfterMs).toBe(5 * 86_400_000);
    expect(config.operatorWebhook).toBeNull();
    expect(config.shutdownTimeoutMs).toBe(25_000);
    expect(config.jobLockDurationMs).toBe(30_000);
    expect(
      loadConfig({ HOOKLINE_ENCRYPTION_KEY: key, HOOKLINE_WORKER_CONCURRENCY: "2" }).endpointMaxInFlight,
    ).toBe(1);
  });

  it("reads every setting, and never lets the longest cool-down be shorter than the first", () => {
    const config = loadConfig({
      HOOKLINE_ENCRYPTION_KEY: key,
      HOOKLINE_ENDPOINT_MAX_IN_FLIGHT: "3",
      HOOKLINE_BREAKER_THRESHOLD: "4",
      HOOKLINE_BREAKER_COOLDOWN: "2m",
      HOOKLINE_BREAKER_MAX_COOLDOWN: "1m",
      HOOKLINE_ENDPOINT_DISABLE_AFTER: "10s",
      HOOKLINE_OPERATOR_WEBHOOK_URL: "https://ops.example.com/hooks",
      HOOKLINE_OPERATOR_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      HOOKLINE_SHUTDOWN_TIMEOUT: "5s",
      HOOKLINE_JOB_LOCK_DURATION: "4s",
    });
    expect(config.endpointMaxInFlight).toBe(3);
    expect(config.breaker).toEqual({ failureThreshold: 4, coolDownMs: 120_000, maxCoolDownMs: 120_000 });
    expect(config.endpointDisableAfterMs).toBe(10_000);
    expect(config.operatorWebhook).toEqual({
      url: "https://ops.example.com/hooks",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    });
    expect(config.shutdownTimeoutMs).toBe(5_000);
    expect(config.jobLockDurationMs).toBe(4_000);
  });

  it("names a bad operator URL, secret or threshold", () => {
    const attempt = () =>
      loadConfig({
        HOOKLINE_ENCRYPTION_KEY: key,
        HOOKLINE_OPERATOR_WEBHOOK_URL: "not a url",
        HOOKLINE_OPERATOR_WEBHOOK_SECRET: "hunter2",
        HOOKLINE_BREAKER_THRESHOLD: "0",
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/HOOKLINE_OPERATOR_WEBHOOK_URL/);
    expect(attempt).toThrow(/HOOKLINE_OPERATOR_WEBHOOK_SECRET: must be whsec_/);
    expect(attempt).toThrow(/HOOKLINE_BREAKER_THRESHOLD/);
  });
});
