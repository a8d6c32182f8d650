// Handler behaviour beyond the hostile-sender suite: leases, recovery budgets, store outages and
// misuse, on the memory store (the other stores meet the same contract in stores/store.test.ts).
import express from "express";
import { afterEach, describe, expect, it, vi } from "vitest";
import { webhookMiddleware } from "./express.js";
import { createIdempotentHandler, type WebhookEvent } from "./idempotent-handler.js";
import type { Problem } from "./problem.js";
import { sign } from "./sign.js";
import { MemoryStore } from "./stores/memory-store.js";
import { eventually, listen, type RunningServer } from "./test-services.js";

const SECRET = `whsec_${Buffer.from("a-test-key-of-thirty-two-bytes!!").toString("base64")}`;
const event = (id: string): WebhookEvent => ({ id, timestamp: 1_750_000_000, payload: { id } });
const servers: RunningServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe("createIdempotentHandler", () => {
  it("answers accepted, then duplicate, from accept()", async () => {
    const handle = vi.fn(async () => undefined);
    const handler = createIdempotentHandler({ store: new MemoryStore(), handle });
    expect(await handler.accept(event("msg_1"))).toBe("accepted");
    expect(await handler.accept(event("msg_1"))).toBe("duplicate");
    await handler.idle();
    expect(handle).toHaveBeenCalledTimes(1);
    expect(handle).toHaveBeenCalledWith(event("msg_1"), expect.objectContaining({ attempt: 1 }));
  });

  it("keeps the lease alive while a slow handler runs, so a sweeper does not start it twice", async () => {
    const store = new MemoryStore();
    let calls = 0;
    const handler = createIdempotentHandler({
      store,
      leaseMs: 60,
      handle: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
    });
    const stop = handler.startSweeper(10);
    await handler.accept(event("msg_slow"));
    await handler.idle();
    stop();
    expect(calls).toBe(1);
    expect(await store.get("msg_slow")).toMatchObject({ state: "done", attempts: 1 });
  });

  it("aborts the handler's signal and reports it when another owner took the lease over", async () => {
    let now = Date.now();
    const store = new MemoryStore({ now: () => now });
    const errors: unknown[] = [];
    let signal: AbortSignal | undefined;
    const handler = createIdempotentHandler({
      store,
      leaseMs: 30,
      onError: (error) => errors.push(error),
      handle: async (_event, context) => {
        signal = context.signal;
        now += 1_000;
        await store.claimStale(60_000, 10);
        await eventually(() => expect(context.signal.aborted).toBe(true));
      },
    });
    await handler.accept(event("msg_taken"));
    await handler.idle();
    expect(signal?.aborted).toBe(true);
    expect(String(errors[0])).toContain("the lease was lost");
    expect(await store.get("msg_taken")).toMatchObject({ state: "in-progress" });
  });

  it("fails a recovered event whose attempts were already spent, without running it again", async () => {
    let now = Date.now();
    const store = new MemoryStore({ now: () => now });
    const lease = await store.claim(event("msg_spent"), 10);
    if (lease === null) throw new Error("claim failed");
    for (let i = 0; i < 3; i++) await store.startAttempt(lease, 10);
    now += 1_000;
    const handle = vi.fn(async () => undefined);
    const onFailure = vi.fn();
    const handler = createIdempotentHandler({ store, handle, onFailure, retry: { attempts: 3 } });
    expect(await handler.recoverStale()).toBe(1);
    await handler.idle();
    expect(handle).not.toHaveBeenCalled();
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(await store.get("msg_spent")).toMatchObject({
      state: "failed",
      lastError: expect.stringContaining("3 attempts"),
    });
  });

  it("reports an onFailure that throws, and still leaves the event failed", async () => {
    const store = new MemoryStore();
    const errors: unknown[] = [];
    const handler = createIdempotentHandler({
      store,
      retry: { attempts: 1 },
      handle: async () => {
        throw new Error("nope");
      },
      onFailure: () => {
        throw new Error("alerting down");
      },
      onError: (error) => errors.push(error),
    });
    await handler.accept(event("msg_alert"));
    await handler.idle();
    expect(String(errors[0])).toContain("alerting down");
    expect(await store.get("msg_alert")).toMatchObject({ state: "failed", attempts: 1 });
  });

  it("answers 503 problem+json when the store cannot record the event, so the sender retries", async () => {
    const store = new MemoryStore();
    vi.spyOn(store, "claim").mockRejectedValue(new Error("connection refused"));
    const errors: unknown[] = [];
    const handler = createIdempotentHandler({
      store,
      handle: async () => undefined,
      onError: (e) => errors.push(e),
    });
    const app = express();
    app.post("/webhooks", webhookMiddleware({ secret: SECRET }), handler);
    const server = await listen(app);
    servers.push(server);
    const body = JSON.stringify({ type: "ping" });
    const response = await fetch(`${server.url}/webhooks`, {
      method: "POST",
      body,
      headers: sign({ secret: SECRET, id: "msg_down", body }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(errors).toHaveLength(1);
  });

  it("answers 500 problem+json when mounted without webhookMiddleware", async () => {
    const handler = createIdempotentHandler({ store: new MemoryStore(), handle: async () => undefined });
    const app = express();
    app.post("/webhooks", handler);
    const server = await listen(app);
    servers.push(server);
    const response = await fetch(`${server.url}/webhooks`, { method: "POST", body: "{}" });
    expect(response.status).toBe(500);
    expect(((await response.json()) as Problem).detail).toContain(
      "mount webhookMiddleware before this handler",
    );
  });
});
