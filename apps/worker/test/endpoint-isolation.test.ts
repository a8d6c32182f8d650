// Per-endpoint isolation against the real stack: the in-flight cap (a hanging endpoint keeps only its
// share of worker slots), the circuit breaker (pause after repeated failures, one probe, recovery),
// and the operational events they cause, delivered signed to the operator webhook.
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const OPERATOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8G";

let platform: Platform;
let receiver: Receiver;
let operator: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  operator = await startReceiver();
  platform = await startPlatform({
    env: {
      HOOKLINE_WORKER_CONCURRENCY: "6",
      HOOKLINE_ENDPOINT_MAX_IN_FLIGHT: "2",
      HOOKLINE_REQUEST_TIMEOUT: "4s",
      HOOKLINE_BREAKER_THRESHOLD: "3",
      HOOKLINE_BREAKER_COOLDOWN: "1500ms",
      HOOKLINE_BREAKER_MAX_COOLDOWN: "3s",
      HOOKLINE_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms",
      HOOKLINE_OPERATOR_WEBHOOK_URL: `${operator.url}/ops`,
      HOOKLINE_OPERATOR_WEBHOOK_SECRET: OPERATOR_SECRET,
    },
  });
});
afterAll(async () => {
  await platform?.close();
  await receiver?.close();
  await operator?.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
  receiver.setScript(() => ({ status: 204 }));
});

async function endpoint(appId: string, path: string, extra: Record<string, unknown> = {}) {
  const created = await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
    body: { url: `${receiver.url}${path}`, ...extra },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function send(appId: string, eventType: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType, payload: { i } },
    });
    expect(response.status).toBe(202);
    ids.push(response.body.id);
  }
  return ids;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const at = (path: string) => receiver.requests.filter((request) => request.path === path);

/** Operational events received so far, verified against the operator secret. */
function operationalEvents(): { type: string; data: Record<string, unknown> }[] {
  const verifier = new Webhook(OPERATOR_SECRET);
  return operator.requests.map(
    (request) =>
      verifier.verify(request.body, request.headers as Record<string, string>) as {
        type: string;
        data: Record<string, unknown>;
      },
  );
}

describe("endpoint isolation", () => {
  it("keeps a hanging endpoint to its in-flight cap, so the other endpoints' deliveries go on", async () => {
    const { appId } = await platform.createTenant();
    await endpoint(appId, "/hang", { eventTypes: ["slow.thing"] });
    await endpoint(appId, "/fine", { eventTypes: ["fast.thing"] });
    receiver.setScript((request) => (request.path === "/hang" ? { hang: true } : { status: 204 }));

    // Ten jobs for the hanging endpoint would take all six worker slots without the cap.
    const hanging = await send(appId, "slow.thing", 10);
    await waitFor(() => at("/hang").length >= 2, { what: "the hanging endpoint's first requests" });
    const healthy = await send(appId, "fast.thing", 12);
    await waitFor(() => at("/fine").length >= 12, { what: "healthy deliveries", timeoutMs: 3_000 });
    expect(new Set(at("/fine").map((r) => r.headers["webhook-id"]))).toEqual(new Set(healthy));

    // Only the cap's worth reached the hanging endpoint; the rest wait without an attempt.
    expect(at("/hang")).toHaveLength(2);
    const log = await platform.call(
      "GET",
      `/v1/applications/${appId}/deliveries?eventType=slow.thing&limit=100`,
    );
    const attempted = log.body.data.filter((d: { attemptCount: number }) => d.attemptCount > 0);
    expect(log.body.data).toHaveLength(hanging.length);
    expect(attempted).toHaveLength(0);
    receiver.setScript(() => ({ status: 204 }));
  });

  it("opens the circuit after repeated failures, pauses the endpoint, probes once, and reports the recovery", async () => {
    const { appId } = await platform.createTenant();
    const endpointId = await endpoint(appId, "/breaker");
    let healthy = false;
    receiver.setScript((request) =>
      request.path === "/breaker" && !healthy ? { status: 500, body: "down" } : { status: 204 },
    );

    const events = await send(appId, "order.created", 5);
    // Three consecutive failures open the circuit (requests already out when it opens still land)...
    await waitFor(() => at("/breaker").length >= 3, { what: "three failures" });
    const third = at("/breaker")[2]?.receivedAt ?? 0;
    await sleep(400);
    const whenOpen = at("/breaker").length;
    expect(whenOpen).toBeLessThanOrEqual(events.length);
    // ...then nothing reaches the endpoint during the cool-down (1.5 s), though the schedule says 100 ms.
    await sleep(500);
    expect(at("/breaker")).toHaveLength(whenOpen);

    // One probe after the cool-down; it fails too, so the circuit re-opens for twice as long.
    await waitFor(() => at("/breaker").length > whenOpen, { what: "the first probe", timeoutMs: 5_000 });
    const probe = at("/breaker")[whenOpen];
    expect((probe?.receivedAt ?? 0) - third).toBeGreaterThanOrEqual(1_400);
    await sleep(800);
    expect(at("/breaker")).toHaveLength(whenOpen + 1);

    healthy = true;
    await waitFor(
      async () => {
        const log = await platform.call("GET", `/v1/applications/${appId}/deliveries?status=succeeded`);
        return log.body.data.length === events.length;
      },
      { what: "every delivery after the recovery", timeoutMs: 10_000 },
    );
    // The breaker held them back: the failures were few, far from exhausting the 9-try schedule.
    const log = await platform.call("GET", `/v1/applications/${appId}/deliveries`);
    const attempts = log.body.data.reduce(
      (sum: number, d: { attemptCount: number }) => sum + d.attemptCount,
      0,
    );
    expect(attempts).toBeLessThanOrEqual(whenOpen + 2 + events.length);

    const recovered = await waitFor(
      () =>
        operationalEvents().find((e) => e.type === "endpoint.recovered" && e.data.endpointId === endpointId),
      { what: "endpoint.recovered at the operator webhook" },
    );
    expect(recovered.data).toMatchObject({ applicationId: appId, url: `${receiver.url}/breaker` });
    expect(recovered.data.downForMs).toBeGreaterThanOrEqual(4_000);
  });

  it("disables an endpoint at once on 410 and tells the operator: endpoint.disabled and delivery.exhausted", async () => {
    const { appId } = await platform.createTenant();
    const endpointId = await endpoint(appId, "/gone");
    receiver.setScript((request) => (request.path === "/gone" ? { status: 410 } : { status: 204 }));
    const [eventId] = await send(appId, "user.deleted", 1);

    const events = await waitFor(
      () => {
        const mine = operationalEvents().filter((e) => e.data.endpointId === endpointId);
        return mine.length >= 2 && mine;
      },
      { what: "two operational events" },
    );
    const disabled = events.find((e) => e.type === "endpoint.disabled");
    expect(disabled?.data).toMatchObject({ applicationId: appId, cause: "gone" });
    expect(String(disabled?.data.reason)).toContain("410");
    const exhausted = events.find((e) => e.type === "delivery.exhausted");
    expect(exhausted?.data).toMatchObject({ eventId, eventType: "user.deleted", lastStatusCode: 410 });
    const after = await platform.call("GET", `/v1/applications/${appId}/endpoints/${endpointId}`);
    expect(after.body.disabled).toBe(true);

    // They went through the ordinary pipeline: events of the operations application, with deliveries.
    const log = await platform.call("GET", "/v1/applications/hookline-operations/events?limit=100");
    const mine = log.body.data.filter(
      (event: { payload: { endpointId?: string } }) => event.payload.endpointId === endpointId,
    );
    expect(mine.map((event: { eventType: string }) => event.eventType).sort()).toEqual([
      "delivery.exhausted",
      "endpoint.disabled",
    ]);
    expect(operator.requests.every((request) => request.path === "/ops")).toBe(true);
  });
});
