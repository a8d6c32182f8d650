// Batch ingest: many events in one request and one transaction, each delivered like a single event;
// idempotency per event; every bad batch is a 4xx problem+json that accepts nothing.
import {
  type ApiResponse,
  type Platform,
  type Receiver,
  startPlatform,
  startReceiver,
  waitFor,
} from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;

beforeAll(async () => {
  platform = await startPlatform({ env: { HOOKLINE_INGEST_RATE_LIMIT: "0" } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await platform?.close();
});

async function tenantWithEndpoints(filters: string[][]) {
  const tenant = await platform.createTenant();
  const endpointIds: string[] = [];
  for (const [index, eventTypes] of filters.entries()) {
    const created = await platform.call("POST", `/v1/applications/${tenant.appId}/endpoints`, {
      key: tenant.partnerKey,
      body: { url: `${receiver.url}/${tenant.appId}/${index}`, eventTypes },
    });
    expect(created.status).toBe(201);
    endpointIds.push(created.body.id);
  }
  return { ...tenant, endpointIds, batchPath: `/v1/applications/${tenant.appId}/events/batch` };
}

/** Posts `events` as one batch and expects it accepted; returns the answer's events. */
async function acceptedBatch<T>(
  tenant: { batchPath: string; producerKey: string },
  events: { eventType: string; payload: unknown }[],
): Promise<T[]> {
  const response = await platform.call("POST", tenant.batchPath, {
    key: tenant.producerKey,
    body: { events },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body.data as T[];
}

const requestsTo = (appId: string) =>
  receiver.requests.filter((request) => request.path.startsWith(`/${appId}/`));

async function eventCount(appId: string): Promise<number> {
  const list = await platform.call("GET", `/v1/applications/${appId}/events?limit=250`);
  return list.body.data.length;
}

function expectProblem(response: ApiResponse, status: number, detail: RegExp): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(response.body.detail).toMatch(detail);
}

describe("batch ingest", () => {
  it("accepts events in input order and delivers each to the endpoints whose filter matches", async () => {
    const tenant = await tenantWithEndpoints([[], ["order.paid"]]);
    const events = [
      { eventType: "order.created", payload: { n: 0 } },
      { eventType: "order.paid", payload: { n: 1 } },
      { eventType: "order.created", payload: { n: 2 } },
    ];
    const data = await acceptedBatch<{
      id: string;
      eventType: string;
      duplicate: boolean;
      deliveries: { endpointId: string }[];
    }>(tenant, events);
    expect(data.map((event) => event.eventType)).toEqual(["order.created", "order.paid", "order.created"]);
    expect(data.map((event) => event.deliveries.length)).toEqual([1, 2, 1]);
    expect(data[1]?.deliveries.map((delivery) => delivery.endpointId).sort()).toEqual(
      [...tenant.endpointIds].sort(),
    );
    expect(data.every((event) => !event.duplicate)).toBe(true);

    await waitFor(() => requestsTo(tenant.appId).length >= 4, { what: "4 deliveries" });
    const got = requestsTo(tenant.appId);
    const bodies = got.map((request) => JSON.parse(request.body) as { data: { n: number } });
    expect(bodies.map((body) => body.data.n).sort()).toEqual([0, 1, 1, 2]);
    expect(new Set(got.map((request) => request.headers["webhook-id"]))).toEqual(
      new Set(data.map((event) => event.id)),
    );
  });

  it("delivers once each a batch whose events go to more endpoints than ingest writes deliveries for", async () => {
    // Five endpoints, one of them only for order.paid: order.paid goes to 5 (the worker writes its
    // deliveries), order.created to 4 (written at ingest); both kinds leave in one enqueue.
    const tenant = await tenantWithEndpoints([[], [], [], [], ["order.paid"]]);
    const events = [
      { eventType: "order.paid", payload: { n: 0 } },
      { eventType: "order.created", payload: { n: 1 } },
      { eventType: "order.paid", payload: { n: 2 } },
    ];
    const data = await acceptedBatch<{ id: string; deliveries: { id: string }[] }>(tenant, events);
    expect(data.map((event) => event.deliveries.length)).toEqual([5, 4, 5]);

    await waitFor(() => requestsTo(tenant.appId).length >= 14, { what: "14 deliveries" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const byEvent = new Map<string, Set<string>>();
    for (const request of requestsTo(tenant.appId)) {
      const id = request.headers["webhook-id"] as string;
      byEvent.set(id, (byEvent.get(id) ?? new Set()).add(request.path));
    }
    expect(requestsTo(tenant.appId)).toHaveLength(14);
    expect(data.map((event) => byEvent.get(event.id)?.size)).toEqual([5, 4, 5]);
  });

  it("answers a repeated idempotency key with the first event and creates no new deliveries", async () => {
    const tenant = await tenantWithEndpoints([[]]);
    const first = await platform.call("POST", tenant.batchPath, {
      key: tenant.producerKey,
      body: { events: [{ eventType: "a.b", payload: 1, idempotencyKey: "k-1" }] },
    });
    expect(first.status).toBe(202);
    const again = await platform.call("POST", tenant.batchPath, {
      key: tenant.producerKey,
      body: {
        events: [
          { eventType: "a.b", payload: 2, idempotencyKey: "k-2" },
          { eventType: "a.b", payload: 1, idempotencyKey: "k-1" },
        ],
      },
    });
    expect(again.status).toBe(202);
    expect(again.body.data[0].duplicate).toBe(false);
    expect(again.body.data[1]).toMatchObject({ id: first.body.data[0].id, duplicate: true });
    expect(again.body.data[1].deliveries).toEqual(first.body.data[0].deliveries);
    expect(await eventCount(tenant.appId)).toBe(2);
  });

  it("takes a body larger than the single-event limit, up to the batch limit", async () => {
    const tenant = await tenantWithEndpoints([]);
    const events = Array.from({ length: 1_000 }, (_, n) => ({
      eventType: "bulk.item",
      payload: { n, pad: "x".repeat(400) },
    }));
    const response = await platform.call("POST", tenant.batchPath, {
      key: tenant.producerKey,
      body: { events },
    });
    expect(response.status, JSON.stringify(response.body).slice(0, 300)).toBe(202);
    expect(response.body.data).toHaveLength(1_000);
    expect(new Set(response.body.data.map((event: { id: string }) => event.id)).size).toBe(1_000);
  });

  it("refuses a bad batch whole, with a 4xx problem that names the event", async () => {
    const tenant = await tenantWithEndpoints([[]]);
    const key = tenant.producerKey;
    expectProblem(
      await platform.call("POST", tenant.batchPath, { key, body: { events: [] } }),
      400,
      /events/,
    );
    expectProblem(
      await platform.call("POST", tenant.batchPath, {
        key,
        body: { events: Array.from({ length: 1_001 }, () => ({ eventType: "a.b", payload: 1 })) },
      }),
      400,
      /events/,
    );
    expectProblem(
      await platform.call("POST", tenant.batchPath, {
        key,
        body: {
          events: [
            { eventType: "a.b", payload: 1 },
            { eventType: "not valid!", payload: 1 },
          ],
        },
      }),
      400,
      /events/,
    );
    expectProblem(
      await platform.call("POST", tenant.batchPath, {
        key,
        body: {
          events: [
            { eventType: "a.b", payload: 1, idempotencyKey: "same" },
            { eventType: "a.b", payload: 2, idempotencyKey: "same" },
          ],
        },
      }),
      400,
      /events\[1\] repeats the idempotencyKey of events\[0\]/,
    );
    expectProblem(
      await platform.call("POST", tenant.batchPath, {
        key,
        headers: { "idempotency-key": "k" },
        body: { events: [{ eventType: "a.b", payload: 1 }] },
      }),
      400,
      /per event/,
    );
    expectProblem(
      await platform.call("POST", tenant.batchPath, {
        key,
        body: {
          events: [
            { eventType: "a.b", payload: 1 },
            { eventType: "a.b", payload: "x".repeat(300 * 1024) },
          ],
        },
      }),
      413,
      /events\[1\]\.payload/,
    );
    expect(await eventCount(tenant.appId)).toBe(0);
  });

  it("is for producer and admin keys only", async () => {
    const tenant = await tenantWithEndpoints([]);
    const response = await platform.call("POST", tenant.batchPath, {
      key: tenant.partnerKey,
      body: { events: [{ eventType: "a.b", payload: 1 }] },
    });
    expect(response.status).toBe(403);
  });
});
