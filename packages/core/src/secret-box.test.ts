import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBox } from "./secret-box.js";

describe("SecretBox", () => {
  it("round-trips, with a fresh IV each time and no plaintext in the output", () => {
    const box = new SecretBox(randomBytes(32));
    const secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0";
    const [a, b] = [box.seal(secret), box.seal(secret)];
    expect(a).not.toBe(b);
    expect(a).not.toContain("c2VjcmV0");
    expect(box.open(a)).toBe(secret);
    expect(box.open(b)).toBe(secret);
  });

  it("refuses tampered ciphertext", () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal("whsec_abc");
    const parts = sealed.split(".");
    const data = Buffer.from(parts[4] ?? "", "base64url");
    data[0] = (data[0] ?? 0) ^ 1;
    parts[4] = data.toString("base64url");
    expect(() => box.open(parts.join("."))).toThrow();
  });

  it("opens rows sealed with a retired key and marks them stale, so the master key can rotate", () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const sealedOld = new SecretBox(oldKey).seal("whsec_old");
    const rotated = new SecretBox(newKey, [oldKey]);
    expect(rotated.open(sealedOld)).toBe("whsec_old");
    expect(rotated.isStale(sealedOld)).toBe(true);
    expect(rotated.isStale(rotated.seal("x"))).toBe(false);
    expect(() => new SecretBox(newKey).open(sealedOld)).toThrow(/unknown encryption key/);
  });

  it("accepts only 32-byte keys", () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});
