// The delivery loader against a real database: loads asked for together share one query, loads
// asked for while a query is out share the next one, and each caller gets its own delivery (or
// undefined for an id that does not exist).
import { type DeliveryForAttempt, loadDeliveriesForAttempt } from "@hookline/db";
import { type Platform, startPlatform } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeliveryLoader } from "../src/delivery-loader.js";

let platform: Platform;
let deliveryIds: string[];
let eventIds: string[];

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
  const { appId } = await platform.createTenant();
  await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
    body: { url: "http://127.0.0.1:9/x" },
  });
  const batch = await platform.call("POST", `/v1/applications/${appId}/events/batch`, {
    body: {
      events: Array.from({ length: 12 }, (_, n) => ({ eventType: "order.created", payload: { n } })),
    },
  });
  eventIds = batch.body.data.map((event: { id: string }) => event.id);
  deliveryIds = batch.body.data.map((event: { deliveries: { id: string }[] }) => event.deliveries[0]?.id);
});
afterAll(async () => {
  await platform?.close();
});

function countingLoader(options: { maxBatch?: number; maxInFlight?: number } = {}) {
  const reads: string[][] = [];
  const loader = createDeliveryLoader(platform.db, {
    ...options,
    read: (ids) => {
      reads.push(ids);
      return loadDeliveriesForAttempt(platform.db, ids);
    },
  });
  return { loader, reads };
}

describe("delivery loader", () => {
  it("reads deliveries asked for together in one query, each caller getting its own", async () => {
    const { loader, reads } = countingLoader();
    const loaded = await Promise.all(deliveryIds.map((id) => loader.load(id)));
    expect(reads).toHaveLength(1);
    expect(loaded.map((delivery) => delivery?.id)).toEqual(deliveryIds);
    expect(loaded.map((delivery) => delivery?.eventId)).toEqual(eventIds);
    const first = loaded[0] as DeliveryForAttempt;
    expect(first).toMatchObject({
      status: "pending",
      attemptCount: 0,
      roundAttempts: 0,
      eventType: "order.created",
    });
    expect(first.payload).toEqual({ n: 0 });
    expect(first.createdAt).toBeInstanceOf(Date);
  });

  it("answers undefined for an id that does not exist, and once per id however often it is asked", async () => {
    const { loader, reads } = countingLoader();
    const [missing, a, b] = await Promise.all([
      loader.load("dlv_01J00000000000000000000000"),
      loader.load(deliveryIds[0] as string),
      loader.load(deliveryIds[0] as string),
    ]);
    expect(missing).toBeUndefined();
    expect(a?.id).toBe(deliveryIds[0]);
    expect(b).toEqual(a);
    expect(reads).toEqual([["dlv_01J00000000000000000000000", deliveryIds[0]]]);
  });

  it("gathers loads asked for while a read is out into the next read", async () => {
    const { loader, reads } = countingLoader({ maxInFlight: 1 });
    const first = loader.load(deliveryIds[0] as string);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = deliveryIds.slice(1, 6).map((id) => loader.load(id));
    await Promise.all([first, ...rest]);
    expect(reads).toEqual([[deliveryIds[0]], deliveryIds.slice(1, 6)]);
  });

  it("splits a large burst into reads of at most maxBatch ids", async () => {
    const { loader, reads } = countingLoader({ maxBatch: 5 });
    const loaded = await Promise.all(deliveryIds.map((id) => loader.load(id)));
    expect(loaded.every((delivery) => delivery !== undefined)).toBe(true);
    expect(reads.map((ids) => ids.length)).toEqual([5, 5, 2]);
  });

  it("fails every load of a failed read, and reads again for the next ones", async () => {
    let fail = true;
    const loader = createDeliveryLoader(platform.db, {
      read: async (ids) => {
        if (fail) throw new Error("database away");
        return loadDeliveriesForAttempt(platform.db, ids);
      },
    });
    const failed = await Promise.allSettled(deliveryIds.slice(0, 3).map((id) => loader.load(id)));
    expect(failed.map((result) => result.status)).toEqual(["rejected", "rejected", "rejected"]);
    fail = false;
    expect((await loader.load(deliveryIds[0] as string))?.id).toBe(deliveryIds[0]);
  });
});
