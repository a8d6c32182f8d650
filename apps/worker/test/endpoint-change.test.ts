// What changing an endpoint through the API does to deliveries parked behind its open circuit:
// fixing its URL closes the circuit and sends them at once; disabling it dead-letters them at once.
// Without this they would sleep out the 30 s cool-down and their long park.
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver((request) =>
    request.path.startsWith("/broken") ? { status: 500 } : { status: 204 },
  );
  platform = await startPlatform({
    env: {
      HOOKLINE_BREAKER_THRESHOLD: "2",
      HOOKLINE_BREAKER_COOLDOWN: "30s",
      HOOKLINE_RETRY_SCHEDULE: "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms",
    },
  });
});
afterAll(async () => {
  await platform?.close();
  await receiver?.close();
});

const at = (path: string) => receiver.requests.filter((request) => request.path === path);

/** An endpoint at `path` whose circuit is open, with `count` deliveries parked behind it. */
async function brokenEndpointWithBacklog(path: string, count: number) {
  const { appId } = await platform.createTenant();
  const created = await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
    body: { url: `${receiver.url}${path}` },
  });
  const endpointId = created.body.id as string;
  const events: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "parked.one", payload: { i } },
    });
    events.push(response.body.id);
  }
  await waitFor(() => at(path).length >= 2, { what: "the failures that open the circuit" });
  // Open: nothing more reaches the endpoint, though the schedule says 100 ms.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const seen = at(path).length;
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(at(path)).toHaveLength(seen);
  return { appId, endpointId, events };
}

describe("changing an endpoint behind an open circuit", () => {
  it("fixing its URL closes the circuit and delivers the parked backlog at once", async () => {
    const { appId, endpointId, events } = await brokenEndpointWithBacklog("/broken-url", 5);
    const patched = await platform.call("PATCH", `/v1/applications/${appId}/endpoints/${endpointId}`, {
      body: { url: `${receiver.url}/fixed` },
    });
    expect(patched.status).toBe(200);
    // Well before the 30 s cool-down would have allowed even a probe.
    await waitFor(() => new Set(at("/fixed").map((r) => r.headers["webhook-id"])).size === events.length, {
      what: "the parked deliveries at the fixed URL",
      timeoutMs: 10_000,
    });
  });

  it("disabling it dead-letters the parked backlog at once", async () => {
    const { appId, endpointId, events } = await brokenEndpointWithBacklog("/broken-off", 4);
    await platform.call("PATCH", `/v1/applications/${appId}/endpoints/${endpointId}`, {
      body: { disabled: true },
    });
    const dead = await waitFor(
      async () => {
        const list = await platform.call("GET", `/v1/admin/dead-letters?endpointId=${endpointId}`);
        return list.body.data.length === events.length && list.body.data;
      },
      { what: "every parked delivery dead-lettered", timeoutMs: 10_000 },
    );
    for (const letter of dead) expect(letter.reason).toMatch(/^endpoint disabled: disabled by a user/);
  });
});
