// The endpoint gate against a real Redis: the in-flight cap is this process's (a freed slot goes to
// the first job waiting for it; a hanging endpoint's jobs are deferred), and the breaker is shared by
// every process through Redis.
import { randomUUID } from "node:crypto";
import { TEST_REDIS_URL } from "@hookline/testing";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createEndpointGate, type EndpointGateOptions, type GateVerdict } from "../src/endpoint-gate.js";

const redis = new Redis(TEST_REDIS_URL);
const prefix = `hl-gate-test-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function gate(overrides: Partial<EndpointGateOptions> = {}) {
  return createEndpointGate({
    redis,
    prefix,
    maxInFlight: 2,
    requestTimeoutMs: 4_000,
    breaker: { failureThreshold: 3, coolDownMs: 60_000, maxCoolDownMs: 120_000 },
    onTransition: () => {},
    logger: pino({ level: "silent" }),
    ...overrides,
  });
}

function go(verdict: GateVerdict) {
  if (verdict.kind !== "go") throw new Error(`expected go, got ${JSON.stringify(verdict)}`);
  return verdict.pass;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("endpoint gate", () => {
  it("hands a freed slot to the job that waited for it, first come first served", async () => {
    const g = gate();
    const endpoint = randomUUID();
    const first = go(await g.enter(endpoint, "d1"));
    go(await g.enter(endpoint, "d2"));
    const order: string[] = [];
    const enter = async (deliveryId: string) => {
      const verdict = await g.enter(endpoint, deliveryId);
      order.push(deliveryId);
      return verdict;
    };
    const third = enter("d3");
    const fourth = enter("d4");
    await sleep(20);
    expect(order).toEqual([]);
    // Another endpoint is not held up by this one's cap.
    go(await g.enter(randomUUID(), "other"));
    await first.leave(true);
    expect((await third).kind).toBe("go");
    expect(order).toEqual(["d3"]);
    // A newcomer does not take a slot that is being handed over, nor one the cap does not allow.
    const late = await g.enter(endpoint, "d5");
    expect(late.kind).toBe("wait");
    expect((await fourth).kind).toBe("wait");
  });

  it("defers at once, until the requests' timeout, the jobs of an endpoint whose requests hang", async () => {
    const g = gate({ maxInFlight: 1 });
    const endpoint = randomUUID();
    go(await g.enter(endpoint, "d1"));
    await sleep(1_050);
    const started = performance.now();
    const verdict = await g.enter(endpoint, "d2");
    expect(performance.now() - started).toBeLessThan(50);
    expect(verdict).toMatchObject({ kind: "wait", reason: "at-capacity" });
    // Out for about a second of a 4 s timeout: no slot before about 3 s from now.
    expect(verdict.kind === "wait" && verdict.waitMs).toBeGreaterThanOrEqual(2_900);
  });

  it("shares the breaker: a circuit one worker opened pauses the endpoint for another", async () => {
    const transitions: string[] = [];
    const a = gate({ onTransition: (_, t) => transitions.push(t.kind) });
    const endpoint = randomUUID();
    for (let i = 0; i < 3; i++) await go(await a.enter(endpoint, `f${i}`)).leave(false);
    expect(transitions).toEqual(["opened"]);

    const b = gate();
    const verdict = await b.enter(endpoint, "next");
    expect(verdict).toMatchObject({ kind: "wait", reason: "circuit-open" });
    expect(await b.takeParked(endpoint)).toEqual(["next"]);

    // Reset (the endpoint changed): both go again.
    await b.reset(endpoint);
    await a.reset(endpoint);
    await go(await b.enter(endpoint, "after")).leave(true);
    await go(await a.enter(endpoint, "after-a")).leave(true);
  });

  it("sees a circuit another worker opened within the time it trusts a clean breaker", async () => {
    const a = gate();
    const b = gate();
    const endpoint = randomUUID();
    // b reads the breaker clean and trusts it for a while.
    await go(await b.enter(endpoint, "warm")).leave(true);
    for (let i = 0; i < 3; i++) await go(await a.enter(endpoint, `f${i}`)).leave(false);
    await sleep(1_050);
    expect(await b.enter(endpoint, "late")).toMatchObject({ kind: "wait", reason: "circuit-open" });
  });
});
