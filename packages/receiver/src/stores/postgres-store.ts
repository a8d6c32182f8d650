// The idempotency store on PostgreSQL: one row per webhook id, claimed with
// INSERT … ON CONFLICT DO NOTHING. Lease times use the database clock, the one clock every
// receiver process shares. Needs PostgreSQL 13 or later (gen_random_uuid).
import type pg from "pg";
import type { EventRecord, IdempotencyStore, Lease, RecoveredEvent, StoredEvent } from "./store.js";

export const DEFAULT_TABLE_NAME = "hookline_receiver_events";

export interface PostgresStoreOptions {
  pool: pg.Pool;
  /** Table holding the records, created if missing. Letters, digits and `_`. Default `hookline_receiver_events`. */
  tableName?: string;
}

interface Row {
  id: string;
  state: EventRecord["state"];
  attempts: number;
  lease_token: string | null;
  lease_expires_at: Date | null;
  last_error: string | null;
  event_timestamp: string;
  payload: unknown;
}

export class PostgresStore implements IdempotencyStore {
  readonly tableName: string;
  private readonly pool: pg.Pool;
  private readonly table: string;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions) {
    this.pool = options.pool;
    this.tableName = options.tableName ?? DEFAULT_TABLE_NAME;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(this.tableName)) {
      throw new Error(`tableName must be letters, digits and "_" (at most 63), got "${this.tableName}"`);
    }
    this.table = `"${this.tableName}"`;
  }

  /** Creates the table if missing; runs on first use anyway, call it to fail fast at start-up. */
  init(): Promise<void> {
    this.ready ??= this.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async claim(event: StoredEvent, leaseMs: number): Promise<Lease | null> {
    const rows = await this.query<Pick<Row, "lease_token">>(
      `INSERT INTO ${this.table} (id, state, attempts, lease_token, lease_expires_at, event_timestamp, payload)
       VALUES ($1, 'in-progress', 0, gen_random_uuid()::text, now() + $2 * interval '1 millisecond', $3, $4)
       ON CONFLICT (id) DO NOTHING
       RETURNING lease_token`,
      [event.id, leaseMs, event.timestamp, JSON.stringify(event.payload ?? null)],
    );
    const token = rows[0]?.lease_token;
    return token ? { id: event.id, token } : null;
  }

  async renew(lease: Lease, leaseMs: number): Promise<boolean> {
    const rows = await this.query(
      `UPDATE ${this.table} SET lease_expires_at = now() + $3 * interval '1 millisecond', updated_at = now()
       WHERE id = $1 AND lease_token = $2 AND state = 'in-progress' RETURNING id`,
      [lease.id, lease.token, leaseMs],
    );
    return rows.length === 1;
  }

  async startAttempt(lease: Lease, leaseMs: number): Promise<number | null> {
    const rows = await this.query<Pick<Row, "attempts">>(
      `UPDATE ${this.table}
       SET attempts = attempts + 1, lease_expires_at = now() + $3 * interval '1 millisecond', updated_at = now()
       WHERE id = $1 AND lease_token = $2 AND state = 'in-progress' RETURNING attempts`,
      [lease.id, lease.token, leaseMs],
    );
    return rows[0]?.attempts ?? null;
  }

  complete(lease: Lease): Promise<boolean> {
    return this.finish(lease, "done", null);
  }

  fail(lease: Lease, error: string): Promise<boolean> {
    return this.finish(lease, "failed", error);
  }

  async claimStale(leaseMs: number, limit: number): Promise<RecoveredEvent[]> {
    // SKIP LOCKED lets several sweepers run at once without handing out the same row twice.
    const rows = await this.query<Row>(
      `WITH stale AS (
         SELECT id FROM ${this.table}
         WHERE state = 'in-progress' AND lease_expires_at < now()
         ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.table} AS t
       SET lease_token = gen_random_uuid()::text, lease_expires_at = now() + $1 * interval '1 millisecond',
           updated_at = now()
       FROM stale WHERE t.id = stale.id
       RETURNING t.*`,
      [leaseMs, limit],
    );
    return rows.map((row) => ({
      lease: { id: row.id, token: row.lease_token ?? "" },
      event: { id: row.id, timestamp: Number(row.event_timestamp), payload: row.payload },
      attempts: row.attempts,
    }));
  }

  async get(id: string): Promise<EventRecord | null> {
    const rows = await this.query<Row>(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    const row = rows[0];
    if (row === undefined) return null;
    return {
      id: row.id,
      state: row.state,
      attempts: row.attempts,
      leaseExpiresAt: row.lease_expires_at,
      lastError: row.last_error,
    };
  }

  private async finish(lease: Lease, state: "done" | "failed", error: string | null): Promise<boolean> {
    const rows = await this.query(
      `UPDATE ${this.table}
       SET state = $3, last_error = $4, lease_token = NULL, lease_expires_at = NULL, updated_at = now()
       WHERE id = $1 AND lease_token = $2 AND state = 'in-progress' RETURNING id`,
      [lease.id, lease.token, state, error],
    );
    return rows.length === 1;
  }

  private async query<T extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<T[]> {
    await this.init();
    const result = await this.pool.query<T>(text, values);
    return result.rows;
  }

  private async createTable(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog; a lock per table
      // name serialises receivers starting together.
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.tableName]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           id text PRIMARY KEY,
           state text NOT NULL CHECK (state IN ('in-progress', 'done', 'failed')),
           attempts integer NOT NULL DEFAULT 0,
           lease_token text,
           lease_expires_at timestamptz,
           last_error text,
           event_timestamp bigint NOT NULL,
           payload json NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now(),
           updated_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      await client.query(
        `CREATE INDEX IF NOT EXISTS "${this.tableName}_stale_idx"
         ON ${this.table} (lease_expires_at) WHERE state = 'in-progress'`,
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
