// Stopping a worker (what SIGTERM does) against the real stack: it takes no new jobs, lets the
// deliveries in flight finish, and keeps to its deadline when an endpoint never answers. Nothing is
// lost, and nothing in flight is sent twice because of the stop. (The chaos suite does the same to
// a worker process with a real SIGTERM.)
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  platform = await startPlatform({
    env: {
      HOOKLINE_SHUTDOWN_TIMEOUT: "1s",
      HOOKLINE_REQUEST_TIMEOUT: "60s",
      HOOKLINE_RETRY_SCHEDULE: "100ms,100ms,100ms",
      HOOKLINE_WORKER_CONCURRENCY: "10",
    },
  });
});
afterAll(async () => {
  await platform?.close();
  await receiver?.close();
});

async function endpoint(appId: string, path: string) {
  const created = await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
    body: { url: `${receiver.url}${path}` },
  });
  return created.body.id as string;
}

const at = (path: string) => receiver.requests.filter((request) => request.path === path);

describe("worker shutdown", () => {
  it("lets in-flight deliveries finish: everything arrives exactly once across a stop and a start", async () => {
    const { appId } = await platform.createTenant();
    await endpoint(appId, "/steady");
    receiver.setScript(() => ({ status: 204, delayMs: 150 }));

    const sent: string[] = [];
    const sending = (async () => {
      for (let i = 0; i < 60; i++) {
        const response = await platform.call("POST", `/v1/applications/${appId}/events`, {
          body: { eventType: "tick", payload: { i } },
        });
        sent.push(response.body.id);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await waitFor(() => at("/steady").length >= 10, { what: "the stream to be flowing" });
    await platform.stopWorker();
    const whenStopped = at("/steady").length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Stopped means stopped: no request leaves after close() returned.
    expect(at("/steady")).toHaveLength(whenStopped);

    await sending;
    await platform.startWorker();
    await waitFor(() => new Set(at("/steady").map((r) => r.headers["webhook-id"])).size === sent.length, {
      what: "every event delivered",
      timeoutMs: 20_000,
    });
    const perEvent = receiver.byWebhookId();
    const twice = [...perEvent.values()].filter((requests) => requests.length > 1);
    expect(twice).toHaveLength(0);
  });

  it("keeps to its deadline when an endpoint never answers; the cut request is retried later, not lost", async () => {
    const { appId } = await platform.createTenant();
    await endpoint(appId, "/never");
    let answering = false;
    receiver.setScript((request) =>
      request.path === "/never" && !answering ? { hang: true } : { status: 204 },
    );
    const event = await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "stuck", payload: {} },
    });
    await waitFor(() => at("/never").length === 1, { what: "the hanging request" });

    const started = Date.now();
    await platform.stopWorker();
    // The shutdown deadline (1 s) cut it short; the request timeout is a minute.
    expect(Date.now() - started).toBeLessThan(10_000);
    const deliveryId = event.body.deliveries[0].id;
    const cut = await platform.call("GET", `/v1/applications/${appId}/deliveries/${deliveryId}`);
    expect(cut.body.status).toBe("pending");
    expect(cut.body.attempts.map((a: { errorClass: string }) => a.errorClass)).toEqual(["worker-shutdown"]);

    answering = true;
    await platform.startWorker();
    await waitFor(
      async () => {
        const response = await platform.call("GET", `/v1/applications/${appId}/deliveries/${deliveryId}`);
        return response.body.status === "succeeded";
      },
      { what: "the cut delivery to succeed after the restart" },
    );
    expect(at("/never").map((r) => r.headers["webhook-id"])).toEqual([event.body.id, event.body.id]);
  });
});
