// The hand-over from replay to live tail, under concurrent ingest that commits out of order:
// sessions join at the live tail, at the start of the log and at cursors in between, while
// producers write; each must get every event after its position exactly once, in order, whether it
// catches up from the tailer's memory or, when that no longer reaches back far enough, from a
// second pass over the log.
import { randomUUID } from "node:crypto";
import { createLogger } from "@hookline/core";
import { createDatabase, type Database, type StreamPosition, streamHorizon } from "@hookline/db";
import { createTestDatabase, type TestDatabase, waitFor } from "@hookline/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { belowHorizon, comparePositions, formatCursor, START_OF_STREAM } from "../../src/streams/cursor.js";
import { ReadGate } from "../../src/streams/read-gate.js";
import { type LiveTail, StreamSession } from "../../src/streams/session.js";
import { toFrame } from "../../src/streams/stream-event.js";
import { ApplicationTailer } from "../../src/streams/tailer.js";
import type { StreamTransport } from "../../src/streams/transport.js";

let database: TestDatabase;
let db: Database;
const logger = createLogger({ level: "silent", name: "hand-over" });

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase({ url: database.url, maxConnections: 8 });
});
afterAll(async () => {
  await db?.$client.end();
  await database?.drop();
});

/** The LiveTail seam with one real tailer, started ahead of the sessions (it reads on its own, as
 * it would for other connections). A forgetful one never finds a session's position in memory, as
 * when the tailer evicted it while the session replayed, so every session takes the second pass. */
function liveTail(applicationId: string, forgetful: boolean): LiveTail & { stop(): void } {
  const tailer = new ApplicationTailer(applicationId, {
    db,
    logger,
    pollIntervalMs: 2,
    sliceBytes: 2048,
    recentBytes: 64 * 1024 * 1024,
  });
  tailer.add({ deliver() {} }, START_OF_STREAM);
  return {
    covers: (_app, from) => !forgetful && tailer.covers(from),
    attach(_app, listener, from) {
      const backlog = tailer.add(listener, from);
      tailer.wake();
      return forgetful ? undefined : backlog;
    },
    detach: (_app, listener) => tailer.remove(listener),
    stop: () => tailer.stop(),
  };
}

/** A transport that takes everything at once and records the event cursors it carried. */
function recorder(): StreamTransport & { cursors: string[] } {
  const cursors: string[] = [];
  return {
    cursors,
    kind: "ws",
    keepAliveMs: 60_000,
    keepAlive: () => undefined,
    readyFrame: (cursor) => toFrame(JSON.stringify({ control: "ready", cursor })),
    gapFrame: (gap) => toFrame(JSON.stringify({ control: "gap", ...gap })),
    goodbyeFrame: () => undefined,
    write(frames, flushed) {
      for (const frame of frames) {
        const parsed = JSON.parse(frame.data.toString()) as { cursor?: string; event?: unknown };
        if (parsed.event) cursors.push(parsed.cursor as string);
      }
      setImmediate(flushed);
    },
    end() {},
    onGone() {},
  };
}

async function produce(applicationId: string, producers: number, rounds: number): Promise<void> {
  await Promise.all(
    Array.from({ length: producers }, async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        for (let round = 0; round < rounds; round++) {
          await client.query("begin");
          for (let i = 0; i < 1 + Math.floor(Math.random() * 3); i++) {
            await client.query(
              "insert into events (id, application_id, event_type, payload) values ($1, $2, 't', $3)",
              [`msg_${randomUUID()}`, applicationId, JSON.stringify({ round, pad: "x".repeat(200) })],
            );
          }
          await client.query("select pg_sleep($1)", [Math.random() * 0.01]);
          await client.query(Math.random() < 0.1 ? "rollback" : "commit");
        }
      } finally {
        await client.end();
      }
    }),
  );
}

async function committedPositions(applicationId: string): Promise<StreamPosition[]> {
  const result = await db.$client.query<{ xid: string; seq: string }>(
    "select stream_xid::text as xid, stream_seq::text as seq from events where application_id = $1 order by stream_xid, stream_seq",
    [applicationId],
  );
  return result.rows.map((row) => ({ xid: BigInt(row.xid), seq: BigInt(row.seq) }));
}

describe("replay-to-live hand-over", () => {
  it.each([
    ["from the tailer's memory", false],
    ["from a second pass over the log when memory does not reach back", true],
  ])(
    "sessions joining mid-ingest get every later event exactly once, catching up %s",
    async (_how, forgetful) => {
      const applicationId = `app_${randomUUID()}`;
      await db.$client.query("insert into applications (id, name) values ($1, 'hand-over')", [applicationId]);
      const tail = liveTail(applicationId, forgetful);
      const sessions: {
        from: StreamPosition;
        transport: ReturnType<typeof recorder>;
        session: StreamSession;
      }[] = [];
      const open = (from: StreamPosition, atHead = false) => {
        const transport = recorder();
        const session = new StreamSession({
          db,
          reads: new ReadGate(4),
          logger,
          tail,
          applicationId,
          start: { through: from, gap: undefined, atHead },
          eventTypes: undefined,
          policy: "disconnect",
          bufferBytes: 64 * 1024,
          transport,
          tokenExpiresAt: undefined,
        });
        void session.run();
        sessions.push({ from, transport, session });
      };

      const producing = produce(applicationId, 8, 40);
      for (let i = 0; i < 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 25));
        const known = await committedPositions(applicationId);
        const choice = i % 3;
        if (choice === 0) open(START_OF_STREAM);
        else if (choice === 1)
          open(belowHorizon(await streamHorizon(db)), true); // a live start
        else open(known[Math.floor(Math.random() * known.length)] ?? START_OF_STREAM);
      }
      await producing;

      const all = await committedPositions(applicationId);
      expect(all.length).toBeGreaterThan(300);
      const expectedOf = (from: StreamPosition) =>
        all.filter((position) => comparePositions(position, from) > 0).map(formatCursor);
      await waitFor(
        () => sessions.every(({ from, transport }) => transport.cursors.length >= expectedOf(from).length),
        { what: "every session to catch up" },
      );
      await new Promise((resolve) => setTimeout(resolve, 100)); // a repeat would show up now
      for (const { from, transport, session } of sessions) {
        expect(transport.cursors).toEqual(expectedOf(from));
        session.close("client-gone");
      }
      tail.stop();
    },
  );
});
