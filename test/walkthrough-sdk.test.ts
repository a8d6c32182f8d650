// The README walk-through, driven through @hookline/sdk against a real platform and the example
// receiver (examples/receiver): create an application and a partner key, register an endpoint,
// send an event and see it delivered; then an endpoint whose secret the receiver does not know
// dead-letters its delivery, which is replayed once the secret is fixed.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateSecret } from "@hookline/core";
import type { WebhookEvent } from "@hookline/receiver";
import { createHooklineClient, type HooklineClient, isHooklineApiError } from "@hookline/sdk";
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReceiverApp, type HooklineWebhook } from "../examples/receiver/app.js";

const WEBHOOK_SECRET = generateSecret();

let platform: Platform;
let server: Server;
let receiverUrl: string;
const handled: WebhookEvent<HooklineWebhook>[] = [];

beforeAll(async () => {
  platform = await startPlatform({ env: { HOOKLINE_RETRY_SCHEDULE: "100ms,100ms" } });
  const { app } = createReceiverApp({ secret: WEBHOOK_SECRET, onEvent: (event) => void handled.push(event) });
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await platform?.close();
});

async function settled(client: HooklineClient, appId: string, deliveryId: string) {
  return waitFor(
    async () => {
      const delivery = await client.deliveries.get(appId, deliveryId);
      return delivery.status !== "pending" && delivery;
    },
    { what: `delivery ${deliveryId} to settle` },
  );
}

describe("README walk-through through the SDK", () => {
  it("delivers to the example receiver, dead-letters a misconfigured endpoint, and replays it", async () => {
    // 1. An operator creates the application and a key for the partner.
    const admin = createHooklineClient({ baseUrl: platform.url, apiKey: platform.adminKey });
    const app = await admin.applications.create({ name: "Acme Billing", uid: "acme" });
    const partnerKey = await admin.keys.create({ role: "partner", applicationId: app.id, name: "acme" });

    // 2. The partner registers its receiver with the secret the receiver was started with.
    const partner = createHooklineClient({ baseUrl: platform.url, apiKey: partnerKey.key });
    const endpoint = await partner.endpoints.create(app.id, {
      url: receiverUrl,
      description: "example receiver",
      eventTypes: ["invoice.paid"],
      secret: WEBHOOK_SECRET,
    });

    // 3. The product sends an event; the receiver verifies and handles it; the log says succeeded.
    const sent = await admin.events.send(app.id, {
      eventType: "invoice.paid",
      payload: { invoice: "in_1", amount: 4200 },
    });
    expect(sent.deliveries).toEqual([{ id: expect.any(String), endpointId: endpoint.id }]);
    const delivered = await settled(partner, app.id, sent.deliveries[0]?.id ?? "");
    expect(delivered).toMatchObject({ status: "succeeded", attemptCount: 1, lastStatusCode: 202 });
    await waitFor(() => handled.some((event) => event.id === sent.id));
    expect(handled.find((event) => event.id === sent.id)?.payload).toMatchObject({
      type: "invoice.paid",
      data: { invoice: "in_1", amount: 4200 },
    });

    // 4. A second endpoint keeps the secret Hookline generated, which the receiver does not know:
    //    every attempt gets 401 and the delivery ends in the dead letters.
    const misconfigured = await partner.endpoints.create(app.id, {
      url: receiverUrl,
      eventTypes: ["invoice.refunded"],
    });
    const refund = await admin.events.send(app.id, {
      eventType: "invoice.refunded",
      payload: { invoice: "in_1" },
    });
    const deliveryId = refund.deliveries[0]?.id ?? "";
    const failed = await settled(partner, app.id, deliveryId);
    expect(failed.status).toBe("failed");
    expect(failed.attempts.map((attempt) => attempt.statusCode)).toEqual([401, 401, 401]);
    const [dead, ...others] = (await admin.deadLetters.list({ applicationId: app.id })).data;
    expect(others).toEqual([]);
    expect(dead).toMatchObject({ deliveryId, endpointId: misconfigured.id, eventType: "invoice.refunded" });
    expect(dead?.reason).toContain("401");
    expect(handled.some((event) => event.id === refund.id)).toBe(false);

    // 5. The partner sets the endpoint's secret to the receiver's, the operator replays: delivered,
    //    with the same webhook-id, and handled once.
    await partner.endpoints.rotateSecret(app.id, misconfigured.id, { key: WEBHOOK_SECRET });
    const replay = await admin.deadLetters.replay(dead?.id ?? "");
    expect(replay.deliveryId).toBe(deliveryId);
    expect(await settled(partner, app.id, deliveryId)).toMatchObject({
      status: "succeeded",
      lastStatusCode: 202,
    });
    await waitFor(() => handled.some((event) => event.id === refund.id));
    expect(handled.filter((event) => event.id === refund.id)).toHaveLength(1);
    expect((await admin.deadLetters.list({ applicationId: app.id })).data).toEqual([]);

    // A second replay of the same dead letter is a typed conflict, not a second delivery.
    const again = await admin.deadLetters.replay(dead?.id ?? "").catch((error: unknown) => error);
    expect(isHooklineApiError(again, "conflict")).toBe(true);
  });
});
