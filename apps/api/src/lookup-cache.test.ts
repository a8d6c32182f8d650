import { describe, expect, it } from "vitest";
import { createLookupCache } from "./lookup-cache.js";

function counter<V>(values: Record<string, V>) {
  const calls: string[] = [];
  const load = async (key: string) => {
    calls.push(key);
    return values[key];
  };
  return { calls, load };
}

describe("lookup cache", () => {
  it("serves a found value from memory until its TTL passes, then loads it again", async () => {
    let clock = 0;
    const { calls, load } = counter({ a: 1 });
    const cache = createLookupCache(load, { ttlMs: 1_000, now: () => clock });
    expect(await cache.get("a")).toBe(1);
    clock = 999;
    expect(await cache.get("a")).toBe(1);
    expect(calls).toEqual(["a"]);
    clock = 1_000;
    expect(await cache.get("a")).toBe(1);
    expect(calls).toEqual(["a", "a"]);
  });

  it("does not keep what was not found, so something created a moment later is found", async () => {
    const values: Record<string, number> = {};
    const { calls, load } = counter(values);
    const cache = createLookupCache(load, { ttlMs: 60_000 });
    expect(await cache.get("k")).toBeUndefined();
    values.k = 7;
    expect(await cache.get("k")).toBe(7);
    expect(calls).toEqual(["k", "k"]);
  });

  it("shares one load between concurrent misses and forgets a failed load", async () => {
    let loads = 0;
    let fail = true;
    const cache = createLookupCache(
      async () => {
        loads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (fail) throw new Error("database away");
        return "v";
      },
      { ttlMs: 60_000 },
    );
    const results = await Promise.allSettled([cache.get("x"), cache.get("x"), cache.get("x")]);
    expect(results.every((result) => result.status === "rejected")).toBe(true);
    expect(loads).toBe(1);
    fail = false;
    expect(await cache.get("x")).toBe("v");
    expect(loads).toBe(2);
  });

  it("drops the oldest entry once full", async () => {
    const { calls, load } = counter({ a: 1, b: 2, c: 3 });
    const cache = createLookupCache(load, { ttlMs: 60_000, maxEntries: 2 });
    await cache.get("a");
    await cache.get("b");
    await cache.get("c");
    await cache.get("b");
    await cache.get("a");
    expect(calls).toEqual(["a", "b", "c", "a"]);
  });

  it("with a TTL of 0 always asks", async () => {
    const { calls, load } = counter({ a: 1 });
    const cache = createLookupCache(load, { ttlMs: 0 });
    await cache.get("a");
    await cache.get("a");
    expect(calls).toEqual(["a", "a"]);
  });

  it("forgets a deleted key at once", async () => {
    const { calls, load } = counter({ a: 1 });
    const cache = createLookupCache(load, { ttlMs: 60_000 });
    await cache.get("a");
    cache.delete("a");
    await cache.get("a");
    expect(calls).toEqual(["a", "a"]);
  });
});
