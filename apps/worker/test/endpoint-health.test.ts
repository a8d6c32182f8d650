// Endpoint health over time against the real stack: an endpoint failing for the whole
// HOOKLINE_ENDPOINT_DISABLE_AFTER window is disabled (and the operator told), its deliveries are
// dead-lettered, and re-enabling it with `replayMissed` delivers everything it missed.
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;
let operator: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  operator = await startReceiver();
  platform = await startPlatform({
    env: {
      HOOKLINE_ENDPOINT_DISABLE_AFTER: "2s",
      // Never exhausts within the test: the endpoint must be disabled for failing, not dead-lettered.
      HOOKLINE_RETRY_SCHEDULE:
        "200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms",
      HOOKLINE_BREAKER_THRESHOLD: "1000",
      HOOKLINE_OPERATOR_WEBHOOK_URL: `${operator.url}/ops`,
    },
  });
});
afterAll(async () => {
  await platform?.close();
  await receiver?.close();
  await operator?.close();
});

const at = (path: string) => receiver.requests.filter((request) => request.path === path);

async function send(appId: string, eventType: string): Promise<string> {
  const response = await platform.call("POST", `/v1/applications/${appId}/events`, {
    body: { eventType, payload: { eventType } },
  });
  expect(response.status).toBe(202);
  return response.body.id;
}

describe("endpoint health", () => {
  it("disables an endpoint whose every attempt failed for the whole window, then replayMissed delivers what it missed", async () => {
    const { appId, partnerKey } = await platform.createTenant();
    const created = await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
      key: partnerKey,
      body: { url: `${receiver.url}/sick`, eventTypes: ["invoice.paid", "invoice.void"] },
    });
    const endpointId = created.body.id as string;
    let sick = true;
    receiver.setScript((request) => (request.path === "/sick" && sick ? { status: 503 } : { status: 204 }));

    const pendingWhenDisabled = await send(appId, "invoice.paid");
    const disabled = await waitFor(
      async () => {
        const response = await platform.call("GET", `/v1/applications/${appId}/endpoints/${endpointId}`);
        return response.body.disabled && response.body;
      },
      { what: "the endpoint to be disabled", timeoutMs: 10_000 },
    );
    expect(disabled.disabledReason).toMatch(/^every attempt failed since \d{4}-\d\d-\d\dT/);
    const report = await waitFor(
      () =>
        operator.requests
          .map((request) => JSON.parse(request.body))
          .find((event) => event.type === "endpoint.disabled" && event.data.endpointId === endpointId),
      { what: "endpoint.disabled at the operator webhook" },
    );
    expect(report.data).toMatchObject({
      applicationId: appId,
      cause: "failing",
      url: `${receiver.url}/sick`,
    });

    // The delivery pending at that moment is dead-lettered as endpoint-disabled, not retried on.
    await waitFor(
      async () => {
        const list = await platform.call("GET", `/v1/admin/dead-letters?endpointId=${endpointId}`);
        return list.body.data.length === 1 && list.body.data[0].reason.startsWith("endpoint disabled:");
      },
      { what: "the pending delivery in the dead-letter table" },
    );

    // Missed while disabled: two wanted events, one the filter does not want.
    const missed = [await send(appId, "invoice.paid"), await send(appId, "invoice.void")];
    const unwanted = await send(appId, "user.created");
    sick = false;
    const before = at("/sick").length;

    const refused = await platform.call("PATCH", `/v1/applications/${appId}/endpoints/${endpointId}`, {
      key: partnerKey,
      body: { replayMissed: true },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(JSON.stringify(refused.body.errors)).toContain("body.replayMissed");

    const enabled = await platform.call("PATCH", `/v1/applications/${appId}/endpoints/${endpointId}`, {
      key: partnerKey,
      body: { disabled: false, replayMissed: true },
    });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ disabled: false, disabledReason: null, replayedMissed: 3 });

    const expected = new Set([pendingWhenDisabled, ...missed]);
    await waitFor(
      () => {
        const ids = new Set(
          at("/sick")
            .slice(before)
            .map((request) => request.headers["webhook-id"]),
        );
        return [...expected].every((id) => ids.has(id));
      },
      { what: "every missed event delivered" },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const replayed = at("/sick")
      .slice(before)
      .map((request) => request.headers["webhook-id"]);
    expect(replayed.sort()).toEqual([...expected].sort());
    expect(replayed).not.toContain(unwanted);
    const open = await platform.call("GET", `/v1/admin/dead-letters?endpointId=${endpointId}`);
    expect(open.body.data).toHaveLength(0);
  });

  it("re-enables without replaying when replayMissed is not asked for, and ignores it on an enabled endpoint", async () => {
    const { appId } = await platform.createTenant();
    const created = await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
      body: { url: `${receiver.url}/quiet`, disabled: true },
    });
    const endpointId = created.body.id as string;
    await send(appId, "a.b");
    const plain = await platform.call("PATCH", `/v1/applications/${appId}/endpoints/${endpointId}`, {
      body: { disabled: false },
    });
    expect(plain.status).toBe(200);
    expect(plain.body.replayedMissed).toBeUndefined();
    const again = await platform.call("PATCH", `/v1/applications/${appId}/endpoints/${endpointId}`, {
      body: { disabled: false, replayMissed: true },
    });
    expect(again.body.replayedMissed).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(at("/quiet")).toHaveLength(0);
  });
});
