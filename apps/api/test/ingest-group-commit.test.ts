// Group commit of single-event ingest against the real Postgres and Redis: events that wait for a
// writer go together in one statement (one transaction: they share stream_xid), each caller still
// gets its own answer, idempotency holds inside a group, and one bad input fails only itself.
import { createDeliveryQueue, type DeliveryQueue } from "@hookline/queue";
import {
  type Platform,
  type Receiver,
  startPlatform,
  startReceiver,
  TEST_REDIS_URL,
} from "@hookline/testing";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestCommitter } from "../src/ingest-committer.js";

let platform: Platform;
let receiver: Receiver;
let redis: Redis;
let queue: DeliveryQueue;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
  receiver = await startReceiver();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = createDeliveryQueue(redis, platform.config.queuePrefix);
});
afterAll(async () => {
  await queue?.close();
  await redis?.quit();
  await receiver?.close();
  await platform?.close();
});

const logger = pino({ level: "silent" });

async function tenantWithEndpoint() {
  const tenant = await platform.createTenant();
  const created = await platform.call("POST", `/v1/applications/${tenant.appId}/endpoints`, {
    key: tenant.partnerKey,
    body: { url: `${receiver.url}/${tenant.appId}` },
  });
  expect(created.status).toBe(201);
  return { appId: tenant.appId, endpointId: created.body.id as string };
}

async function transactionsOf(eventIds: string[]) {
  const { rows } = await platform.db.execute<{ id: string; stream_xid: string; stream_seq: string }>(
    sql`select id, stream_xid::text, stream_seq::text from events where id = any(${sql.param(eventIds)}::text[]) order by events.stream_seq`,
  );
  return rows;
}

describe("ingest group commit", () => {
  it("writes events that waited for the writer in one statement, each answered with its own event", async () => {
    const { appId, endpointId } = await tenantWithEndpoint();
    const committer = createIngestCommitter({ db: platform.db, queue, logger }, { writers: 1 });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        committer.ingest(
          { applicationId: appId, eventType: "order.created", payloadJson: JSON.stringify({ n }) },
          10,
        ),
      ),
    );
    const ids = results.map((result) => result.event.id);
    expect(new Set(ids).size).toBe(20);
    for (const result of results) {
      expect(result.kind).toBe("created");
      expect(result.deliveries).toHaveLength(1);
      expect(result.deliveries[0]?.endpointId).toBe(endpointId);
    }
    // One job per group: the lone first event's delivery job, and a batch job for the group of 19.
    const deliveryIds = results.map((result) => result.deliveries[0]?.id as string);
    const [alone, ...grouped] = deliveryIds;
    expect((await queue.getJob(alone as string))?.data).toEqual({ deliveryId: alone });
    expect((await queue.getJob(`batch-${grouped[0]}`))?.data).toEqual({ deliveryIds: grouped });
    for (const id of grouped) expect(await queue.getJob(id)).toBeUndefined();
    // The first went alone (the writer was free); the other 19 waited and went together, in the
    // order they came, which is their stream order.
    const rows = await transactionsOf(ids);
    expect(new Set(rows.map((row) => row.stream_xid)).size).toBe(2);
    expect(rows.map((row) => row.id)).toEqual(ids);
    const { rows: payloads } = await platform.db.execute<{ id: string; n: number }>(
      sql`select id, (payload->>'n')::int as n from events where id = any(${sql.param(ids)}::text[])`,
    );
    for (const row of payloads) expect(ids.indexOf(row.id)).toBe(row.n);
  });

  it("answers a key repeated inside one group with the first event", async () => {
    const { appId } = await tenantWithEndpoint();
    const committer = createIngestCommitter({ db: platform.db, queue, logger }, { writers: 1 });
    const input = (n: number) => ({
      applicationId: appId,
      eventType: "order.created",
      payloadJson: JSON.stringify({ n }),
      idempotencyKey: "order-7",
    });
    // The first call occupies the writer, so the next three share one statement.
    const [first, ...rest] = await Promise.all([
      committer.ingest({ applicationId: appId, eventType: "order.created", payloadJson: "{}" }, 2),
      committer.ingest(input(1), 7),
      committer.ingest(input(2), 7),
      committer.ingest(input(3), 7),
    ]);
    expect(first?.kind).toBe("created");
    expect(rest.map((result) => result.kind)).toEqual(["created", "duplicate", "duplicate"]);
    expect(new Set(rest.map((result) => result.event.id)).size).toBe(1);
    expect(rest[2]?.deliveries).toEqual(rest[0]?.deliveries);
    const { rows } = await platform.db.execute<{ n: number }>(
      sql`select count(*)::int as n from events where application_id = ${appId} and idempotency_key = 'order-7'`,
    );
    expect(rows[0]?.n).toBe(1);
  });

  it("fails only the input that cannot be written, not the rest of its group", async () => {
    const { appId } = await tenantWithEndpoint();
    const committer = createIngestCommitter({ db: platform.db, queue, logger }, { writers: 1 });
    const good = (n: number) =>
      committer.ingest(
        { applicationId: appId, eventType: "order.created", payloadJson: JSON.stringify({ n }) },
        10,
      );
    const outcomes = await Promise.allSettled([
      good(0),
      good(1),
      // No such application: the foreign key fails the group's statement.
      committer.ingest({ applicationId: "app_missing", eventType: "order.created", payloadJson: "{}" }, 2),
      good(2),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    const { rows } = await platform.db.execute<{ n: number }>(
      sql`select count(*)::int as n from events where application_id = ${appId}`,
    );
    expect(rows[0]?.n).toBe(3);
  });
});
