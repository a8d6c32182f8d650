import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { StreamTokens } from "./stream-token.js";

const claims = { applicationId: "app_1", keyId: "key_1", expiresAt: new Date("2030-01-01T00:00:00Z") };

describe("stream tokens", () => {
  const tokens = new StreamTokens(randomBytes(32));

  it("verifies a token it issued, returning its claims", () => {
    const token = tokens.issue(claims);
    expect(token.startsWith("hlst_")).toBe(true);
    expect(tokens.verify(token, new Date("2029-12-31T23:59:59Z"))).toEqual({ kind: "valid", claims });
  });

  it("refuses a token after its expiry", () => {
    const token = tokens.issue(claims);
    expect(tokens.verify(token, claims.expiresAt)).toEqual({ kind: "expired", expiredAt: claims.expiresAt });
  });

  it("refuses a token signed under another encryption key", () => {
    const other = new StreamTokens(randomBytes(32));
    expect(tokens.verify(other.issue(claims), new Date(0)).kind).toBe("forged");
  });

  it("refuses a token whose claims were edited (say, to another application)", () => {
    const token = tokens.issue(claims);
    const [body, mac] = token.slice("hlst_".length).split(".");
    const decoded = JSON.parse(Buffer.from(body as string, "base64url").toString());
    const edited = Buffer.from(JSON.stringify({ ...decoded, a: "app_2" })).toString("base64url");
    expect(tokens.verify(`hlst_${edited}.${mac}`, new Date(0)).kind).toBe("forged");
  });

  it.each(["", "hlst_", "hlst_abc", "hlst_a.b.c", "key_abc.def", `hlst_${"a".repeat(2000)}.b`])(
    "calls %j malformed",
    (text) => {
      expect(tokens.verify(text, new Date(0)).kind).toBe("malformed");
    },
  );
});
