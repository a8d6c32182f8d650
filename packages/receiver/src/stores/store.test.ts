// The IdempotencyStore contract, run against every store on the real services.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStoreFixture, STORE_KINDS, type StoreFixture } from "../test-services.js";
import type { IdempotencyStore, StoredEvent } from "./store.js";

const LONG_LEASE = 60_000;
const newEvent = (): StoredEvent => ({
  id: `msg_${randomUUID()}`,
  timestamp: 1_750_000_000,
  payload: { a: [1, "b"] },
});
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(STORE_KINDS)("%s store", (kind) => {
  let fixture: StoreFixture;
  let store: IdempotencyStore;

  beforeAll(async () => {
    fixture = await createStoreFixture(kind);
    store = fixture.store;
  });

  afterAll(() => fixture.cleanup());

  it("claims a new id once and reports it in progress", async () => {
    const event = newEvent();
    const lease = await store.claim(event, LONG_LEASE);
    expect(lease?.id).toBe(event.id);
    expect(await store.claim(event, LONG_LEASE)).toBeNull();
    const record = await store.get(event.id);
    expect(record).toMatchObject({ id: event.id, state: "in-progress", attempts: 0, lastError: null });
    expect(record?.leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now());
  });

  it("hands out exactly one lease among 50 concurrent claims", async () => {
    const event = newEvent();
    const leases = await Promise.all(Array.from({ length: 50 }, () => store.claim(event, LONG_LEASE)));
    expect(leases.filter((lease) => lease !== null)).toHaveLength(1);
  });

  it("counts attempts and keeps finished records as duplicates", async () => {
    const event = newEvent();
    const lease = await store.claim(event, LONG_LEASE);
    if (lease === null) throw new Error("claim failed");
    expect(await store.startAttempt(lease, LONG_LEASE)).toBe(1);
    expect(await store.startAttempt(lease, LONG_LEASE)).toBe(2);
    expect(await store.complete(lease)).toBe(true);
    expect(await store.get(event.id)).toMatchObject({ state: "done", attempts: 2, leaseExpiresAt: null });
    expect(await store.claim(event, LONG_LEASE)).toBeNull();
    expect(await store.renew(lease, LONG_LEASE)).toBe(false);
  });

  it("records why an event failed", async () => {
    const event = newEvent();
    const lease = await store.claim(event, LONG_LEASE);
    if (lease === null) throw new Error("claim failed");
    expect(await store.fail(lease, "Error: boom")).toBe(true);
    expect(await store.get(event.id)).toMatchObject({ state: "failed", lastError: "Error: boom" });
    expect(await store.claim(event, LONG_LEASE)).toBeNull();
  });

  it("returns null for an unknown id", async () => {
    expect(await store.get(`msg_${randomUUID()}`)).toBeNull();
  });

  it("does not hand out a live lease to a sweeper", async () => {
    const event = newEvent();
    await store.claim(event, LONG_LEASE);
    const recovered = await store.claimStale(LONG_LEASE, 1000);
    expect(recovered.map((item) => item.event.id)).not.toContain(event.id);
  });

  it("lets a sweeper take over an expired lease, with the event, and fences out the old owner", async () => {
    const event = newEvent();
    const stale = await store.claim(event, 50);
    if (stale === null) throw new Error("claim failed");
    await store.startAttempt(stale, 50);
    await pause(120);
    const recovered = (await store.claimStale(LONG_LEASE, 1000)).find((item) => item.event.id === event.id);
    expect(recovered).toMatchObject({ event, attempts: 1 });
    if (recovered === undefined) throw new Error("not recovered");
    expect(recovered.lease.token).not.toBe(stale.token);
    expect(await store.renew(stale, LONG_LEASE)).toBe(false);
    expect(await store.startAttempt(stale, LONG_LEASE)).toBeNull();
    expect(await store.complete(stale)).toBe(false);
    expect(await store.complete(recovered.lease)).toBe(true);
    expect(await store.get(event.id)).toMatchObject({ state: "done", attempts: 1 });
  });

  it("never gives one stale record to two concurrent sweepers", async () => {
    const events = Array.from({ length: 10 }, newEvent);
    await Promise.all(events.map((event) => store.claim(event, 30)));
    await pause(100);
    const batches = await Promise.all(Array.from({ length: 5 }, () => store.claimStale(LONG_LEASE, 1000)));
    const ids = batches.flat().map((item) => item.event.id);
    const ours = ids.filter((id) => events.some((event) => event.id === id));
    expect(ours.sort()).toEqual(events.map((event) => event.id).sort());
  });

  it("respects the batch limit of a sweep", async () => {
    const events = Array.from({ length: 3 }, newEvent);
    await Promise.all(events.map((event) => store.claim(event, 30)));
    await pause(100);
    expect(await store.claimStale(LONG_LEASE, 2)).toHaveLength(2);
    expect(await store.claimStale(LONG_LEASE, 1000)).toHaveLength(1);
  });
});
