// Stream tokens: short-lived, stateless credentials for clients that cannot set headers on a
// stream (browsers' EventSource and WebSocket), passed as `?token=`. A token names the application,
// the key that minted it and its expiry, under an HMAC whose key is derived from the encryption key
// (HKDF), so every API instance verifies it without shared state. The key must still be active at
// connect time: revoking it ends its tokens.
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

const PREFIX = "hlst_";

export type StreamTokenClaims = { applicationId: string; keyId: string; expiresAt: Date };

export type TokenVerdict =
  | { kind: "valid"; claims: StreamTokenClaims }
  | { kind: "malformed" }
  | { kind: "forged" }
  | { kind: "expired"; expiredAt: Date };

export class StreamTokens {
  readonly #key: Buffer;

  constructor(encryptionKey: Buffer) {
    this.#key = Buffer.from(hkdfSync("sha256", encryptionKey, "hookline", "stream-token v1", 32));
  }

  issue(claims: StreamTokenClaims): string {
    const body = Buffer.from(
      JSON.stringify({ a: claims.applicationId, k: claims.keyId, e: claims.expiresAt.getTime() }),
    ).toString("base64url");
    return `${PREFIX}${body}.${this.#sign(body)}`;
  }

  verify(token: string, now: Date = new Date()): TokenVerdict {
    if (!token.startsWith(PREFIX) || token.length > 1024) return { kind: "malformed" };
    const [body, mac, ...rest] = token.slice(PREFIX.length).split(".");
    if (!body || !mac || rest.length > 0) return { kind: "malformed" };
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: "forged" };
    const claims = parseClaims(body);
    if (!claims) return { kind: "malformed" };
    if (claims.expiresAt.getTime() <= now.getTime()) return { kind: "expired", expiredAt: claims.expiresAt };
    return { kind: "valid", claims };
  }

  #sign(body: string): string {
    return createHmac("sha256", this.#key).update(body).digest("base64url");
  }
}

function parseClaims(body: string): StreamTokenClaims | undefined {
  try {
    const raw = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
    if (typeof raw.a !== "string" || typeof raw.k !== "string" || typeof raw.e !== "number") return undefined;
    return { applicationId: raw.a, keyId: raw.k, expiresAt: new Date(raw.e) };
  } catch {
    return undefined;
  }
}
