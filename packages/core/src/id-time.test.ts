import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { smallestIdAt } from "./id-time.js";

describe("smallestIdAt", () => {
  it("sorts before every id made at or after the time, and after every id made before it", () => {
    const at = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    const bound = smallestIdAt("event", new Date(at));
    const idAt = (ms: number) => `msg_${ulid(ms)}`;
    for (let i = 0; i < 50; i++) {
      expect(idAt(at - 1) < bound).toBe(true);
      expect(bound <= idAt(at)).toBe(true);
      expect(bound < idAt(at + 1)).toBe(true);
    }
    expect(bound).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{10}0{16}$/);
  });
});
