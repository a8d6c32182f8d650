// What `listen` forwards must verify like a real delivery: with the receiver kit and with the
// reference standardwebhooks verifier.
import { verify } from "@hookline/receiver";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { parseStreamEvent, signedRequestFor } from "../src/listen/stream-event.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const EVENT = {
  id: "msg_01HZX3T4J5K6M7N8P9Q0R1S2T3",
  type: "invoice.paid",
  timestamp: "2024-05-01T12:00:00.000Z",
  data: { amount: 100, lines: [{ sku: "a" }] },
};

describe("parseStreamEvent", () => {
  it("reads the {id, type, timestamp, data} the stream sends", () => {
    expect(parseStreamEvent(JSON.stringify(EVENT))).toEqual(EVENT);
  });

  it.each([
    ["not JSON", "{nope", /not JSON/],
    ["not an object", "42", /not a JSON object/],
    ["no id", JSON.stringify({ ...EVENT, id: undefined }), /no id/],
    ["no type", JSON.stringify({ ...EVENT, type: "" }), /has no type/],
    ["a bad timestamp", JSON.stringify({ ...EVENT, timestamp: "yesterday" }), /no valid timestamp/],
  ])("gives a reason for %s", (_what, text, reason) => {
    const parsed = parseStreamEvent(text);
    expect("error" in parsed && parsed.error).toMatch(reason);
  });
});

describe("signedRequestFor", () => {
  const now = new Date();
  const signed = signedRequestFor(EVENT, { secret: SECRET, now });

  it("carries the body real deliveries carry, {type, timestamp, data}, without the id", () => {
    expect(signed.body).toBe(
      '{"type":"invoice.paid","timestamp":"2024-05-01T12:00:00.000Z","data":{"amount":100,"lines":[{"sku":"a"}]}}',
    );
    expect(signed.headers["webhook-id"]).toBe(EVENT.id);
    expect(signed.headers["webhook-timestamp"]).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(signed.headers["content-type"]).toBe("application/json");
    expect(signed.headers["user-agent"]).toMatch(/^Hookline\//);
  });

  it("verifies with the receiver kit and with the reference standardwebhooks verifier", () => {
    expect(verify(signed.headers, signed.body, SECRET)).toMatchObject({
      id: EVENT.id,
      payload: { type: EVENT.type },
    });
    expect(new Webhook(SECRET).verify(signed.body, signed.headers)).toEqual({
      type: EVENT.type,
      timestamp: EVENT.timestamp,
      data: EVENT.data,
    });
  });

  it("does not verify with another secret", () => {
    expect(() => verify(signed.headers, signed.body, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")).toThrow(
      /signature/,
    );
  });

  it("uses the svix-* names when asked", () => {
    const svix = signedRequestFor(EVENT, { secret: SECRET, now, headerStyle: "svix" });
    expect(Object.keys(svix.headers)).toEqual(
      expect.arrayContaining(["svix-id", "svix-timestamp", "svix-signature"]),
    );
    expect(verify(svix.headers, svix.body, SECRET).id).toBe(EVENT.id);
  });
});
