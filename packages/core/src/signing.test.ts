import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSecret, secretBytes, signatureHeaders, webhookBody } from "./signing.js";

describe("Standard Webhooks signing", () => {
  it("produces headers that the reference verifier accepts", () => {
    const secret = generateSecret();
    const body = webhookBody({ type: "a.b", createdAt: new Date("2026-01-02T03:04:05Z"), payload: { x: 1 } });
    const headers = signatureHeaders({
      style: "standard",
      secrets: [secret],
      id: "msg_1",
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
    });
    expect(new Webhook(secret).verify(body, headers)).toEqual({
      type: "a.b",
      timestamp: "2026-01-02T03:04:05.000Z",
      data: { x: 1 },
    });
  });

  it("signs with every secret during a rotation, each verifiable alone", () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const body = '{"type":"a","timestamp":"2026-01-01T00:00:00.000Z","data":{}}';
    const headers = signatureHeaders({
      style: "standard",
      secrets: [newSecret, oldSecret],
      id: "msg_2",
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
    });
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [oldSecret, newSecret])
      expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it("names the headers svix-* in Svix compatibility mode", () => {
    const headers = signatureHeaders({
      style: "svix",
      secrets: [generateSecret()],
      id: "m",
      timestampSeconds: 1,
      body: "{}",
    });
    expect(Object.keys(headers).sort()).toEqual(["svix-id", "svix-signature", "svix-timestamp"]);
  });

  it("makes secrets of whsec_ + base64 of 32 random bytes", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(secretBytes(secret)).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });
});
