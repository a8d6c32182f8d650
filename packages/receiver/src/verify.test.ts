import { describe, expect, it } from "vitest";
import { sign, signatureFor } from "./sign.js";
import { WebhookVerificationError } from "./verification-error.js";
import { createVerifier, verify } from "./verify.js";

const SECRET = `whsec_${Buffer.from("a-test-key-of-thirty-two-bytes!!").toString("base64")}`;
const OTHER_SECRET = `whsec_${Buffer.from("another-key-of-thirty-two-bytes!").toString("base64")}`;
const NOW = new Date("2025-06-01T12:00:00Z");
const NOW_SECONDS = NOW.getTime() / 1000;
const BODY = JSON.stringify({ type: "invoice.paid", data: { amount: 100 } });

function signed(overrides: { secret?: string | string[]; timestamp?: number; body?: string } = {}) {
  return sign({
    secret: overrides.secret ?? SECRET,
    id: "msg_1",
    timestamp: overrides.timestamp ?? NOW_SECONDS,
    body: overrides.body ?? BODY,
  });
}

function failure(run: () => unknown): WebhookVerificationError {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error;
    throw error;
  }
  throw new Error("verification passed but was expected to fail");
}

describe("verify", () => {
  it("returns the parsed payload, id and timestamp of a good delivery", () => {
    const result = verify(signed(), BODY, SECRET, { now: NOW });
    expect(result).toEqual({
      id: "msg_1",
      timestamp: NOW_SECONDS,
      payload: { type: "invoice.paid", data: { amount: 100 } },
      headerStyle: "standard",
    });
  });

  it("reads header names case-insensitively, from plain objects and Fetch Headers", () => {
    const upper = Object.fromEntries(
      Object.entries(signed()).map(([name, value]) => [name.toUpperCase(), value]),
    );
    expect(verify(upper, BODY, SECRET, { now: NOW }).id).toBe("msg_1");
    expect(verify(new Headers(signed()), BODY, SECRET, { now: NOW }).id).toBe("msg_1");
  });

  it("accepts the body as a Buffer", () => {
    expect(verify(signed(), Buffer.from(BODY), SECRET, { now: NOW }).payload).toEqual(JSON.parse(BODY));
  });

  it("accepts Svix header names", () => {
    const headers = sign({
      secret: SECRET,
      id: "msg_2",
      timestamp: NOW_SECONDS,
      body: BODY,
      headerStyle: "svix",
    });
    expect(Object.keys(headers)).toEqual(["svix-id", "svix-timestamp", "svix-signature"]);
    expect(verify(headers, BODY, SECRET, { now: NOW })).toMatchObject({ id: "msg_2", headerStyle: "svix" });
  });

  it("refuses Svix names when only standard names are accepted", () => {
    const headers = sign({
      secret: SECRET,
      id: "msg_2",
      timestamp: NOW_SECONDS,
      body: BODY,
      headerStyle: "svix",
    });
    const error = failure(() => verify(headers, BODY, SECRET, { now: NOW, headerStyle: "standard" }));
    expect(error.code).toBe("missing-headers");
  });

  it("passes when any one of several signatures matches", () => {
    const headers = signed({ secret: [OTHER_SECRET, SECRET] });
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(verify(headers, BODY, SECRET, { now: NOW }).id).toBe("msg_1");
  });

  it("passes when the signature matches any one of several configured secrets", () => {
    expect(verify(signed(), BODY, [OTHER_SECRET, SECRET], { now: NOW }).id).toBe("msg_1");
  });

  it("ignores signatures of other versions next to a v1 one", () => {
    const headers = { ...signed(), "webhook-signature": `v1a,Zm9vYmFy ${signed()["webhook-signature"]}` };
    expect(verify(headers, BODY, SECRET, { now: NOW }).id).toBe("msg_1");
  });

  it("accepts a secret without the whsec_ prefix", () => {
    expect(verify(signed(), BODY, SECRET.slice("whsec_".length), { now: NOW }).id).toBe("msg_1");
  });

  it("accepts timestamps exactly at the tolerance, either way", () => {
    expect(verify(signed({ timestamp: NOW_SECONDS - 300 }), BODY, SECRET, { now: NOW }).id).toBe("msg_1");
    expect(verify(signed({ timestamp: NOW_SECONDS + 300 }), BODY, SECRET, { now: NOW }).id).toBe("msg_1");
  });
});

describe("verify failures", () => {
  it("missing-headers names every missing header", () => {
    const { "webhook-signature": _signature, "webhook-timestamp": _timestamp, ...rest } = signed();
    const error = failure(() => verify(rest, BODY, SECRET, { now: NOW }));
    expect(error.code).toBe("missing-headers");
    expect(error.message).toBe("missing header(s): webhook-timestamp, webhook-signature");
  });

  it("treats a blank header as missing", () => {
    const error = failure(() => verify({ ...signed(), "webhook-id": "  " }, BODY, SECRET, { now: NOW }));
    expect(error.code).toBe("missing-headers");
    expect(error.message).toContain("webhook-id");
  });

  it.each(["abc", "1717243200000", "1717243200.5", "-5", "2025-06-01T12:00:00Z"])(
    "invalid-timestamp for %s",
    (timestamp) => {
      const error = failure(() =>
        verify({ ...signed(), "webhook-timestamp": timestamp }, BODY, SECRET, { now: NOW }),
      );
      expect(error.code).toBe("invalid-timestamp");
      expect(error.message).toContain("whole seconds since the Unix epoch");
    },
  );

  it("timestamp-too-old past the tolerance, saying how old", () => {
    const error = failure(() => verify(signed({ timestamp: NOW_SECONDS - 301 }), BODY, SECRET, { now: NOW }));
    expect(error.code).toBe("timestamp-too-old");
    expect(error.message).toContain("301 s old");
  });

  it("timestamp-too-new past the tolerance", () => {
    const error = failure(() => verify(signed({ timestamp: NOW_SECONDS + 301 }), BODY, SECRET, { now: NOW }));
    expect(error.code).toBe("timestamp-too-new");
    expect(error.message).toContain("301 s in the future");
  });

  it("honours a custom tolerance", () => {
    const headers = signed({ timestamp: NOW_SECONDS - 61 });
    expect(failure(() => verify(headers, BODY, SECRET, { now: NOW, toleranceSeconds: 60 })).code).toBe(
      "timestamp-too-old",
    );
  });

  it("no-matching-signature for another secret", () => {
    const error = failure(() => verify(signed({ secret: OTHER_SECRET }), BODY, SECRET, { now: NOW }));
    expect(error.code).toBe("no-matching-signature");
    expect(error.message).toContain("none of the 1 v1 signature(s) in webhook-signature");
  });

  it("no-matching-signature for a signature of the wrong length or garbage", () => {
    for (const value of ["v1,", "v1,abc", `v1,${"A".repeat(44)}`, "v1,!!!!"]) {
      const error = failure(() =>
        verify({ ...signed(), "webhook-signature": value }, BODY, SECRET, { now: NOW }),
      );
      expect(error.code).toBe("no-matching-signature");
    }
  });

  it("unsupported-signature-version when no entry is v1", () => {
    const signature = signatureFor(SECRET, "msg_1", NOW_SECONDS, BODY).replace("v1,", "v2,");
    const error = failure(() =>
      verify({ ...signed(), "webhook-signature": `${signature} v1a,abc` }, BODY, SECRET, { now: NOW }),
    );
    expect(error.code).toBe("unsupported-signature-version");
    expect(error.message).toContain("found: v2, v1a");
  });

  it("invalid-body for a correctly signed body that is not JSON", () => {
    for (const body of ["not json", ""]) {
      const error = failure(() => verify(signed({ body }), body, SECRET, { now: NOW }));
      expect(error.code).toBe("invalid-body");
    }
  });

  it("invalid-body for bytes that are not UTF-8", () => {
    const body = Buffer.from([0x7b, 0xff, 0x7d]);
    const headers = sign({ secret: SECRET, id: "msg_1", timestamp: NOW_SECONDS, body });
    const error = failure(() => verify(headers, body, SECRET, { now: NOW }));
    expect(error.code).toBe("invalid-body");
    expect(error.message).toContain("UTF-8");
  });

  it.each([
    ["an empty secret", ""],
    ["a secret that is not base64", "whsec_not base64!"],
    ["an empty list", []],
  ])("invalid-secret for %s, without echoing the secret", (_label, secret) => {
    const error = failure(() => verify(signed(), BODY, secret as string, { now: NOW }));
    expect(error.code).toBe("invalid-secret");
    expect(error.message).not.toContain("not base64!");
  });

  it("createVerifier checks secrets before any delivery arrives", () => {
    expect(() => createVerifier("whsec_%%%")).toThrow(WebhookVerificationError);
  });
});
