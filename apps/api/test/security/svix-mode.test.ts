// Svix compatibility mode: an endpoint with headerStyle "svix" receives svix-id / svix-timestamp /
// svix-signature that the `svix` package's own verifier accepts, and no webhook-* headers.
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;

beforeAll(async () => {
  platform = await startPlatform();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await platform?.close();
});

function svixHeaders(headers: Record<string, string | string[] | undefined>) {
  return {
    "svix-id": String(headers["svix-id"]),
    "svix-timestamp": String(headers["svix-timestamp"]),
    "svix-signature": String(headers["svix-signature"]),
  };
}

describe("svix header mode", () => {
  it("delivers svix-* headers that svix's Webhook.verify accepts, before and after a secret rotation", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    const base = `/v1/applications/${appId}/endpoints`;
    const endpoint = await platform.call("POST", base, {
      key: partnerKey,
      body: { url: `${receiver.url}/svix`, headerStyle: "svix" },
    });
    expect(endpoint.status).toBe(201);
    expect(endpoint.body.headerStyle).toBe("svix");
    const secret = (await platform.call("GET", `${base}/${endpoint.body.id}/secret`, { key: partnerKey }))
      .body.key as string;

    const sent = await platform.call("POST", `/v1/applications/${appId}/events`, {
      key: producerKey,
      body: { eventType: "invoice.paid", payload: { invoice: 42 } },
    });
    expect(sent.status).toBe(202);
    const [request] = await waitFor(() => {
      const found = receiver.requests.filter((r) => r.path === "/svix");
      return found.length >= 1 && found;
    });
    if (!request) throw new Error("no delivery");

    expect(Object.keys(request.headers).filter((name) => name.startsWith("webhook-"))).toEqual([]);
    expect(request.headers["svix-id"]).toBe(sent.body.id);
    const verified = new Webhook(secret).verify(request.body, svixHeaders(request.headers)) as {
      type: string;
      data: { invoice: number };
    };
    expect(verified.type).toBe("invoice.paid");
    expect(verified.data).toEqual({ invoice: 42 });
    // The verifier really checks: a changed body or another secret is refused.
    expect(() => new Webhook(secret).verify(`${request.body} `, svixHeaders(request.headers))).toThrow();
    const stranger = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    expect(() => new Webhook(stranger).verify(request.body, svixHeaders(request.headers))).toThrow();

    // After a rotation both secrets verify the next delivery (two signatures during the grace period).
    const rotated = await platform.call("POST", `${base}/${endpoint.body.id}/secret/rotate`, {
      key: partnerKey,
      body: {},
    });
    expect(rotated.status).toBe(200);
    await platform.call("POST", `/v1/applications/${appId}/events`, {
      key: producerKey,
      body: { eventType: "invoice.paid", payload: { invoice: 43 } },
    });
    const second = await waitFor(() => receiver.requests.filter((r) => r.path === "/svix")[1]);
    expect(String(second.headers["svix-signature"]).split(" ")).toHaveLength(2);
    for (const key of [rotated.body.key as string, secret]) {
      const payload = new Webhook(key).verify(second.body, svixHeaders(second.headers)) as { data: unknown };
      expect(payload.data).toEqual({ invoice: 43 });
    }
  });
});
