import { describe, expect, it } from "vitest";
import { idPattern, newId, pooledRandom } from "./ids.js";

describe("newId", () => {
  it("makes prefixed ULIDs that sort in creation order and never repeat", () => {
    const ids = Array.from({ length: 5_000 }, () => newId("event"));
    for (const id of ids) expect(id).toMatch(idPattern("event"));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("pooledRandom", () => {
  it("returns values in [0, 1) that cover every ULID character, across pool refills", () => {
    const random = pooledRandom(64);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const value = random();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      seen.add(Math.floor(value * 32));
    }
    expect(seen.size).toBe(32);
  });
});
