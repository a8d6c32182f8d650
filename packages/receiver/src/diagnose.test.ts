import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { diagnose } from "./diagnose.js";
import { sign } from "./sign.js";

const SECRET = `whsec_${Buffer.from("a-test-key-of-thirty-two-bytes!!").toString("base64")}`;
const OTHER_SECRET = `whsec_${Buffer.from("another-key-of-thirty-two-bytes!").toString("base64")}`;
const NOW = new Date("2025-06-01T12:00:00Z");
const NOW_SECONDS = NOW.getTime() / 1000;
const PAYLOAD = { type: "invoice.paid", data: { amount: 100, currency: "EUR" } };
const BODY = JSON.stringify(PAYLOAD);

const signed = (timestamp = NOW_SECONDS, secret = SECRET) =>
  sign({ secret, id: "msg_1", timestamp, body: BODY });

describe("diagnose", () => {
  it("says ok, and which secret matched, for a good delivery", () => {
    const result = diagnose(signed(), BODY, [OTHER_SECRET, SECRET], { now: NOW });
    expect(result).toMatchObject({ ok: true, cause: "ok", matchedSecret: 1, id: "msg_1", ageSeconds: 0 });
    expect(result.checks.map((check) => check.status)).toEqual(["pass", "pass", "pass", "pass", "pass"]);
  });

  it("names a wrong secret", () => {
    const result = diagnose(signed(NOW_SECONDS, OTHER_SECRET), BODY, SECRET, { now: NOW });
    expect(result.cause).toBe("wrong-secret");
    expect(result.message).toContain("most likely the secret is wrong");
    expect(result.checks.find((check) => check.name === "signature")?.status).toBe("fail");
  });

  it("names a sender that signs with the secret text instead of its bytes", () => {
    const mac = createHmac("sha256", SECRET).update(`msg_1.${NOW_SECONDS}.${BODY}`).digest("base64");
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(NOW_SECONDS),
      "webhook-signature": `v1,${mac}`,
    };
    const result = diagnose(headers, BODY, SECRET, { now: NOW });
    expect(result.cause).toBe("wrong-secret");
    expect(result.message).toContain("secret text itself");
  });

  it("names a stale timestamp when the signature is otherwise valid (a replay)", () => {
    const result = diagnose(signed(NOW_SECONDS - 3600), BODY, SECRET, { now: NOW });
    expect(result).toMatchObject({ ok: false, cause: "timestamp-too-old", ageSeconds: 3600 });
    expect(result.message).toContain("The signature is valid but webhook-timestamp is 3600 s old");
  });

  it("names a timestamp from the future", () => {
    const result = diagnose(signed(NOW_SECONDS + 900), BODY, SECRET, { now: NOW });
    expect(result).toMatchObject({ cause: "timestamp-too-new", ageSeconds: -900 });
  });

  it("names a body that was parsed and re-serialized (pretty-printed)", () => {
    const result = diagnose(signed(), JSON.stringify(PAYLOAD, null, 2), SECRET, { now: NOW });
    expect(result.cause).toBe("body-changed");
    expect(result.message).toContain("re-encoding the JSON compactly");
  });

  it("names a body that gained a trailing newline", () => {
    const result = diagnose(signed(), `${BODY}\n`, SECRET, { now: NOW });
    expect(result.cause).toBe("body-changed");
    expect(result.message).toContain("surrounding whitespace");
  });

  it("names a body cut short by one byte", () => {
    const result = diagnose(signed(), BODY.slice(0, -1), SECRET, { now: NOW });
    expect(result.cause).toBe("body-changed");
    expect(result.message).toContain("not the compact JSON senders emit");
  });

  it("names wrong header names: x-webhook-* instead of webhook-*", () => {
    const headers = Object.fromEntries(Object.entries(signed()).map(([name, value]) => [`x-${name}`, value]));
    const result = diagnose(headers, BODY, SECRET, { now: NOW });
    expect(result.cause).toBe("wrong-header-names");
    expect(result.lookalikeHeaders).toEqual(["x-webhook-id", "x-webhook-signature", "x-webhook-timestamp"]);
    expect(result.message).toContain("Expected webhook-id, webhook-timestamp, webhook-signature");
  });

  it("names Svix headers when standard ones are expected", () => {
    const headers = sign({
      secret: SECRET,
      id: "msg_1",
      timestamp: NOW_SECONDS,
      body: BODY,
      headerStyle: "svix",
    });
    const result = diagnose(headers, BODY, SECRET, { now: NOW, headerStyle: "standard" });
    expect(result.cause).toBe("wrong-header-names");
    expect(result.message).toContain("Svix compatibility mode");
  });

  it("names missing headers", () => {
    const result = diagnose({ "content-type": "application/json" }, BODY, SECRET, { now: NOW });
    expect(result.cause).toBe("missing-headers");
    expect(result.message).toContain("webhook-id, webhook-timestamp, webhook-signature");
  });

  it("explains a millisecond timestamp", () => {
    const result = diagnose({ ...signed(), "webhook-timestamp": String(NOW.getTime()) }, BODY, SECRET, {
      now: NOW,
    });
    expect(result.cause).toBe("invalid-timestamp");
    expect(result.message).toContain("milliseconds");
  });

  it("names an unsupported signature version", () => {
    const result = diagnose({ ...signed(), "webhook-signature": "v1a,c2lnbmF0dXJl" }, BODY, SECRET, {
      now: NOW,
    });
    expect(result.cause).toBe("unsupported-signature-version");
  });

  it("names an unusable secret without throwing", () => {
    const result = diagnose(signed(), BODY, "whsec_???", { now: NOW });
    expect(result).toMatchObject({ ok: false, cause: "invalid-secret" });
  });

  it("names a signed body that is not JSON", () => {
    const headers = sign({ secret: SECRET, id: "msg_1", timestamp: NOW_SECONDS, body: "hello" });
    expect(diagnose(headers, "hello", SECRET, { now: NOW }).cause).toBe("invalid-body");
  });
});
