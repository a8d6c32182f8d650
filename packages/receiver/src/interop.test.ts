// Cross-checks against the reference implementations, both ways, and against the headers
// Hookline's worker builds: a receiver kit that disagrees with them is useless.
import { randomBytes } from "node:crypto";
import { signatureHeaders, webhookBody } from "@hookline/core";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { sign } from "./sign.js";
import { verify } from "./verify.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const BODY = JSON.stringify({
  type: "user.created",
  timestamp: "2025-06-01T12:00:00.000Z",
  data: { id: "u_1", name: "Zoë" },
});

describe("interop with the reference verifiers", () => {
  it("verifies what standardwebhooks signs", () => {
    const secret = newSecret();
    const now = new Date();
    const signature = new StandardWebhook(secret).sign("msg_std", now, BODY);
    const headers = {
      "webhook-id": "msg_std",
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": signature,
    };
    expect(verify(headers, BODY, secret).payload).toEqual(JSON.parse(BODY));
  });

  it("verifies what svix signs, under svix-* names", () => {
    const secret = newSecret();
    const now = new Date();
    const signature = new SvixWebhook(secret).sign("msg_svix", now, BODY);
    const headers = {
      "svix-id": "msg_svix",
      "svix-timestamp": String(Math.floor(now.getTime() / 1000)),
      "svix-signature": signature,
    };
    expect(verify(headers, BODY, secret)).toMatchObject({ id: "msg_svix", headerStyle: "svix" });
  });

  it("signs what standardwebhooks verifies, with one secret and with a rotation pair", () => {
    const [current, previous] = [newSecret(), newSecret()];
    const headers = sign({ secret: [previous, current], id: "msg_kit", body: BODY });
    expect(new StandardWebhook(current).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(new StandardWebhook(previous).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it("signs what svix verifies, under both header styles", () => {
    const secret = newSecret();
    for (const headerStyle of ["standard", "svix"] as const) {
      const headers = sign({ secret, id: `msg_${headerStyle}`, body: BODY, headerStyle });
      expect(new SvixWebhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    }
  });

  it("signs a Buffer body exactly as the reference signs its text", () => {
    const secret = newSecret();
    const now = new Date();
    const ours = sign({ secret, id: "msg_buf", timestamp: now, body: Buffer.from(BODY) });
    expect(ours["webhook-signature"]).toBe(new StandardWebhook(secret).sign("msg_buf", now, BODY));
  });
});

describe("interop with Hookline's worker", () => {
  const event = { type: "order.shipped", createdAt: new Date(), payload: { orderId: "o_1", items: [1, 2] } };

  it.each(["standard", "svix"] as const)("verifies the %s headers the worker sends", (style) => {
    const secret = newSecret();
    const body = webhookBody(event);
    const headers = signatureHeaders({
      style,
      secrets: [secret],
      id: "msg_hookline",
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
    });
    const result = verify(
      { ...headers, "content-type": "application/json", "user-agent": "Hookline/0.1.0" },
      body,
      secret,
    );
    expect(result).toMatchObject({
      id: "msg_hookline",
      headerStyle: style,
      payload: { type: "order.shipped" },
    });
  });

  it("verifies a delivery signed during a rotation with either secret alone", () => {
    const [previous, current] = [newSecret(), newSecret()];
    const body = webhookBody(event);
    const headers = signatureHeaders({
      style: "standard",
      secrets: [current, previous],
      id: "msg_rotating",
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
    });
    expect(verify(headers, body, current).id).toBe("msg_rotating");
    expect(verify(headers, body, previous).id).toBe("msg_rotating");
  });
});
