// The stream cursor under concurrent ingest: transactions commit out of order, yet a reader that
// stops at the horizon never sees an event appear behind one it has already passed.
import { randomUUID } from "node:crypto";
import { createDatabase, type Database, readStream, type StreamPosition } from "@hookline/db";
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from "@hookline/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { belowHorizon, comparePositions, laterOf, START_OF_STREAM } from "../../src/streams/cursor.js";

let database: TestDatabase;
let db: Database;
const clients: pg.Client[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase({ url: database.url, maxConnections: 4 });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.end().catch(() => {})));
  await db?.$client.end();
  await database?.drop();
});

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  return client;
}

async function newApplication(): Promise<string> {
  const id = `app_${randomUUID()}`;
  await db.$client.query("insert into applications (id, name) values ($1, 'horizon')", [id]);
  return id;
}

async function insertEvent(client: pg.Client, applicationId: string): Promise<string> {
  const id = `msg_${randomUUID()}`;
  await client.query(
    "insert into events (id, application_id, event_type, payload) values ($1, $2, 't', '{}')",
    [id, applicationId],
  );
  return id;
}

describe("stream horizon", () => {
  it("holds back a committed event while an older transaction is still open, then streams both in order", async () => {
    const applicationId = await newApplication();
    const older = await connect();
    const newer = await connect();
    await older.query("begin");
    const first = await insertEvent(older, applicationId); // takes the smaller xid
    await newer.query("begin");
    const second = await insertEvent(newer, applicationId);
    await newer.query("commit");

    // A reader ordering by position alone would stream `second` now, and `first` would later
    // appear behind it: the hole this design exists to prevent.
    const naive = await db.$client.query(
      "select id from events where application_id = $1 order by stream_xid, stream_seq",
      [applicationId],
    );
    expect(naive.rows.map((row) => row.id)).toEqual([second]);
    const held = await readStream(db, { applicationId, after: START_OF_STREAM, limit: 10 });
    expect(held.rows).toEqual([]);
    expect(held.heldBack).toBe(true);

    await older.query("commit");
    const released = await readStream(db, { applicationId, after: START_OF_STREAM, limit: 10 });
    expect(released.rows.map((row) => row.id)).toEqual([first, second]);
    expect(released.heldBack).toBe(false);
  });

  it("is not held back by a transaction in another database of the cluster", async () => {
    const applicationId = await newApplication();
    const elsewhere = new pg.Client({ connectionString: TEST_PG_URL });
    await elsewhere.connect();
    clients.push(elsewhere);
    await elsewhere.query("begin");
    await elsewhere.query("select pg_current_xact_id()"); // takes an xid older than the event's
    const writer = await connect();
    const id = await insertEvent(writer, applicationId);
    const page = await readStream(db, { applicationId, after: START_OF_STREAM, limit: 10 });
    await elsewhere.query("rollback");
    expect(page.rows.map((row) => row.id)).toEqual([id]);
  });

  it("with many concurrent producers committing and rolling back out of order, a reader sees every committed event once, in increasing position", async () => {
    const applicationId = await newApplication();
    const producers = await Promise.all(Array.from({ length: 12 }, () => connect()));
    const committed = new Set<string>();
    let producing = true;

    const produce = async (client: pg.Client) => {
      for (let round = 0; round < 25; round++) {
        await client.query("begin");
        const ids: string[] = [];
        const count = 1 + Math.floor(Math.random() * 3);
        for (let i = 0; i < count; i++) ids.push(await insertEvent(client, applicationId));
        // Hold the transaction open for a while so commits interleave out of xid order.
        await client.query("select pg_sleep($1)", [Math.random() * 0.02]);
        if (Math.random() < 0.1) {
          await client.query("rollback");
        } else {
          await client.query("commit");
          for (const id of ids) committed.add(id);
        }
      }
    };

    const seen: { id: string; position: StreamPosition }[] = [];
    let through = START_OF_STREAM;
    const readOnce = async () => {
      const page = await readStream(db, { applicationId, after: through, limit: 7 });
      for (const row of page.rows) {
        seen.push({ id: row.id, position: row.position });
        through = row.position;
      }
      if (!page.full) through = laterOf(through, belowHorizon(page.horizon));
      return page;
    };
    const read = async () => {
      while (producing) {
        await readOnce();
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      }
      // Drain what committed last.
      for (;;) {
        const page = await readOnce();
        if (!page.full && !page.heldBack) return;
      }
    };

    const reader = read();
    await Promise.all(producers.map(produce));
    producing = false;
    await reader;

    expect(committed.size).toBeGreaterThan(200);
    for (let i = 1; i < seen.length; i++) {
      expect(
        comparePositions((seen[i - 1] as (typeof seen)[0]).position, (seen[i] as (typeof seen)[0]).position),
      ).toBeLessThan(0);
    }
    const ids = seen.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(committed);
  });
});
