// The delivery pipeline end to end: API → Postgres → BullMQ → worker → a real receiver, verified
// with the reference `standardwebhooks` package; retries, dead letters and replay.
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;

beforeAll(async () => {
  platform = await startPlatform({ env: { HOOKLINE_RETRY_SCHEDULE: "100ms,200ms,300ms" } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await platform?.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.setScript(() => ({ status: 204 }));
});

async function endpointFor(appId: string, key: string, path: string, extra: Record<string, unknown> = {}) {
  const created = await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
    key,
    body: { url: `${receiver.url}${path}`, ...extra },
  });
  expect(created.status).toBe(201);
  const secret = await platform.call("GET", `/v1/applications/${appId}/endpoints/${created.body.id}/secret`, {
    key,
  });
  return { id: created.body.id as string, secret: secret.body.key as string };
}

function forPath(path: string) {
  return receiver.requests.filter((request) => request.path === path);
}

async function deliveryOf(appId: string, eventId: string) {
  const event = await platform.call("GET", `/v1/applications/${appId}/events/${eventId}`);
  return event.body.deliveries[0];
}

describe("delivery pipeline", () => {
  it("delivers signed Standard Webhooks that the reference verifier accepts, body {type, timestamp, data}", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant();
    const endpoint = await endpointFor(appId, partnerKey, "/ok");
    const verifier = new Webhook(endpoint.secret);

    const sent: { id: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await platform.call("POST", `/v1/applications/${appId}/events`, {
        key: producerKey,
        body: { eventType: "invoice.paid", payload: { invoice: i, amount: 100 * i } },
      });
      expect(response.status).toBe(202);
      expect(response.body.deliveries).toHaveLength(1);
      sent.push(response.body);
    }

    await waitFor(() => forPath("/ok").length >= 5, { what: "5 deliveries" });
    for (const request of forPath("/ok")) {
      const verified = verifier.verify(request.body, request.headers as Record<string, string>) as {
        type: string;
        timestamp: string;
        data: { invoice: number };
      };
      expect(Object.keys(verified).sort()).toEqual(["data", "timestamp", "type"]);
      expect(verified.type).toBe("invoice.paid");
      expect(new Date(verified.timestamp).toISOString()).toBe(verified.timestamp);
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["user-agent"]).toMatch(/^Hookline\//);
      expect(request.headers["webhook-id"]).toBe(sent[verified.data.invoice]?.id);
    }
    const delivery = await waitFor(async () => {
      const d = await deliveryOf(appId, sent[0]?.id ?? "");
      return d.status === "succeeded" && d;
    });
    expect(delivery.attemptCount).toBe(1);
  });

  it("retries a failing receiver with the same webhook-id until it succeeds, recording every attempt", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    await endpointFor(appId, partnerKey, "/flaky");
    const failures = 2;
    let seen = 0;
    receiver.setScript((request) => {
      if (request.path !== "/flaky") return { status: 204 };
      seen++;
      return seen <= failures ? { status: 500, body: "boom" } : { status: 200, body: "ok" };
    });

    const event = await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "order.created", payload: { order: 1 } },
    });
    expect(event.status).toBe(202);
    const deliveryId = event.body.deliveries[0].id;

    const delivery = await waitFor(async () => {
      const response = await platform.call("GET", `/v1/applications/${appId}/deliveries/${deliveryId}`);
      return response.body.status === "succeeded" && response.body;
    });
    expect(delivery.attemptCount).toBe(failures + 1);
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 500, 200]);
    expect(delivery.attempts[0].responseBody).toBe("boom");
    expect(delivery.attempts[0].errorClass).toBe("http");
    const ids = new Set(forPath("/flaky").map((request) => request.headers["webhook-id"]));
    expect(ids).toEqual(new Set([event.body.id]));
    // Delivered once successfully: no request after the success.
    expect(forPath("/flaky")).toHaveLength(failures + 1);
  });

  it("dead-letters a delivery that exhausts its schedule, and replay delivers it with the same webhook-id", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const endpoint = await endpointFor(appId, partnerKey, "/down");
    let up = false;
    receiver.setScript((request) =>
      request.path === "/down" && !up ? { status: 503, body: "maintenance" } : { status: 204 },
    );

    const event = await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "user.deleted", payload: { user: "u_1" } },
    });
    const deliveryId = event.body.deliveries[0].id;

    const dead = await waitFor(async () => {
      const list = await platform.call("GET", `/v1/admin/dead-letters?applicationId=${appId}`);
      return list.body.data.length === 1 && list.body.data[0];
    });
    expect(dead).toMatchObject({
      deliveryId,
      endpointId: endpoint.id,
      eventId: event.body.id,
      eventType: "user.deleted",
    });
    expect(dead.reason).toContain("HTTP 503");
    const history = await platform.call("GET", `/v1/applications/${appId}/deliveries/${deliveryId}`);
    expect(history.body.status).toBe("failed");
    // First try plus the three retries of the configured schedule.
    expect(history.body.attempts).toHaveLength(4);
    expect(forPath("/down")).toHaveLength(4);

    up = true;
    const replay = await platform.call("POST", `/v1/admin/dead-letters/${dead.id}/replay`);
    expect(replay.status).toBe(202);
    await waitFor(() => forPath("/down").length === 5);
    const last = forPath("/down").at(-1);
    expect(last?.headers["webhook-id"]).toBe(event.body.id);
    await waitFor(async () => {
      const response = await platform.call("GET", `/v1/applications/${appId}/deliveries/${deliveryId}`);
      return response.body.status === "succeeded";
    });
    const open = await platform.call("GET", `/v1/admin/dead-letters?applicationId=${appId}`);
    expect(open.body.data).toHaveLength(0);
    const again = await platform.call("POST", `/v1/admin/dead-letters/${dead.id}/replay`);
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
  });

  it("bulk-replays dead letters by filter, with a dry run that only counts", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    await endpointFor(appId, partnerKey, "/bulk", { retrySchedule: ["50ms"] });
    let up = false;
    receiver.setScript((request) => (request.path === "/bulk" && !up ? { status: 500 } : { status: 204 }));
    for (const type of ["a.one", "a.one", "b.two"]) {
      await platform.call("POST", `/v1/applications/${appId}/events`, {
        body: { eventType: type, payload: {} },
      });
    }
    await waitFor(async () => {
      const list = await platform.call("GET", `/v1/admin/dead-letters?applicationId=${appId}`);
      return list.body.data.length === 3;
    });

    const dry = await platform.call("POST", "/v1/admin/dead-letters/replay", {
      body: { applicationId: appId, eventType: "a.one", dryRun: true },
    });
    expect(dry.body).toEqual({ replayed: 2, dryRun: true });
    const stillOpen = await platform.call("GET", `/v1/admin/dead-letters?applicationId=${appId}`);
    expect(stillOpen.body.data).toHaveLength(3);

    up = true;
    const real = await platform.call("POST", "/v1/admin/dead-letters/replay", {
      body: { applicationId: appId, eventType: "a.one" },
    });
    expect(real.body).toEqual({ replayed: 2, dryRun: false });
    await waitFor(async () => {
      const list = await platform.call("GET", `/v1/applications/${appId}/deliveries?status=succeeded`);
      return list.body.data.length === 2;
    });
    const remaining = await platform.call("GET", `/v1/admin/dead-letters?applicationId=${appId}`);
    expect(remaining.body.data.map((d: { eventType: string }) => d.eventType)).toEqual(["b.two"]);
  });

  it("routes events only to endpoints whose filter matches, and skips disabled endpoints", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    await endpointFor(appId, partnerKey, "/orders", { eventTypes: ["order.created"] });
    await endpointFor(appId, partnerKey, "/all");
    await endpointFor(appId, partnerKey, "/off", { disabled: true });
    const order = await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "order.created", payload: {} },
    });
    const user = await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "user.created", payload: {} },
    });
    expect(order.body.deliveries).toHaveLength(2);
    expect(user.body.deliveries).toHaveLength(1);
    await waitFor(() => forPath("/all").length === 2 && forPath("/orders").length === 1);
    expect(forPath("/off")).toHaveLength(0);
  });

  it("stops retrying on 410 Gone and disables the endpoint", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const endpoint = await endpointFor(appId, partnerKey, "/gone");
    receiver.setScript((request) => (request.path === "/gone" ? { status: 410 } : { status: 204 }));
    const event = await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "x.y", payload: {} },
    });
    const deliveryId = event.body.deliveries[0].id;
    await waitFor(async () => {
      const response = await platform.call("GET", `/v1/applications/${appId}/deliveries/${deliveryId}`);
      return response.body.status === "failed";
    });
    expect(forPath("/gone")).toHaveLength(1);
    const after = await platform.call("GET", `/v1/applications/${appId}/endpoints/${endpoint.id}`);
    expect(after.body.disabled).toBe(true);
    expect(after.body.disabledReason).toContain("410");
  });

  it("waits as long as Retry-After says on a 429 (capped by the schedule)", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    await endpointFor(appId, partnerKey, "/busy", { retrySchedule: ["50ms", "2s"] });
    receiver.setScript((request) =>
      request.path === "/busy" && request.sequence > 0 && forPath("/busy").length === 1
        ? { status: 429, headers: { "retry-after": "1" } }
        : { status: 204 },
    );
    await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "x.y", payload: {} },
    });
    await waitFor(() => forPath("/busy").length === 2);
    const [first, second] = forPath("/busy");
    const waited = (second?.receivedAt ?? 0) - (first?.receivedAt ?? 0);
    expect(waited).toBeGreaterThanOrEqual(950);
  });

  it("signs with both secrets after a rotation, and sends the endpoint's custom headers", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const endpoint = await endpointFor(appId, partnerKey, "/rotated", { headers: { "x-tenant": "acme" } });
    const rotated = await platform.call(
      "POST",
      `/v1/applications/${appId}/endpoints/${endpoint.id}/secret/rotate`,
      { key: partnerKey, body: {} },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).not.toBe(endpoint.secret);
    await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "x.y", payload: { n: 1 } },
    });
    await waitFor(() => forPath("/rotated").length === 1);
    const [request] = forPath("/rotated");
    if (!request) throw new Error("no request");
    expect(String(request.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(request.headers["x-tenant"]).toBe("acme");
    for (const secret of [endpoint.secret, rotated.body.key]) {
      expect(() =>
        new Webhook(secret).verify(request.body, request.headers as Record<string, string>),
      ).not.toThrow();
    }
  });

  it("sends a webhook.test event to one endpoint only", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const target = await endpointFor(appId, partnerKey, "/test-target", { eventTypes: ["never.sent"] });
    await endpointFor(appId, partnerKey, "/test-other");
    const response = await platform.call("POST", `/v1/applications/${appId}/endpoints/${target.id}/test`, {
      key: partnerKey,
    });
    expect(response.status).toBe(202);
    await waitFor(() => forPath("/test-target").length === 1);
    expect(JSON.parse(forPath("/test-target")[0]?.body ?? "{}").type).toBe("webhook.test");
    expect(forPath("/test-other")).toHaveLength(0);
  });
});
