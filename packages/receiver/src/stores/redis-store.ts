// The idempotency store on Redis: a hash per webhook id, claimed and updated by Lua scripts
// (redis-scripts.ts). Durability is Redis's own: run it with AOF (`appendfsync everysec` or
// `always`) if an acknowledged event must survive a Redis crash.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { CLAIM, CLAIM_STALE, FINISH, RENEW } from "./redis-scripts.js";
import type { EventRecord, IdempotencyStore, Lease, RecoveredEvent, StoredEvent } from "./store.js";

export const DEFAULT_REDIS_PREFIX = "hookline:receiver:";
export const DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600;

export interface RedisStoreOptions {
  client: Redis;
  /**
   * Prefix of every key the store writes. Default `hookline:receiver:`. On Redis Cluster, include a
   * hash tag (`{receiver}:`) so a record and the lease index share a slot.
   */
  prefix?: string;
  /**
   * How long `done` and `failed` records are kept, deduplicating retries; 0 keeps them forever.
   * Default 7 days, past the retry window of common senders (Hookline's is about 3 days).
   */
  retentionSeconds?: number;
}

export class RedisStore implements IdempotencyStore {
  readonly prefix: string;
  private readonly client: Redis;
  private readonly retentionMs: number;

  constructor(options: RedisStoreOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.retentionMs = (options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
  }

  async claim(event: StoredEvent, leaseMs: number): Promise<Lease | null> {
    const token = randomUUID();
    const stored = JSON.stringify({ timestamp: event.timestamp, payload: event.payload ?? null });
    const claimed = await this.client.eval(
      CLAIM,
      2,
      this.key(event.id),
      this.leases(),
      event.id,
      token,
      leaseMs,
      stored,
    );
    return claimed === 1 ? { id: event.id, token } : null;
  }

  async renew(lease: Lease, leaseMs: number): Promise<boolean> {
    const result = await this.client.eval(
      RENEW,
      2,
      this.key(lease.id),
      this.leases(),
      lease.id,
      lease.token,
      leaseMs,
      "0",
    );
    return result !== -1;
  }

  async startAttempt(lease: Lease, leaseMs: number): Promise<number | null> {
    const result = await this.client.eval(
      RENEW,
      2,
      this.key(lease.id),
      this.leases(),
      lease.id,
      lease.token,
      leaseMs,
      "1",
    );
    return result === -1 ? null : Number(result);
  }

  complete(lease: Lease): Promise<boolean> {
    return this.finish(lease, "done", "");
  }

  fail(lease: Lease, error: string): Promise<boolean> {
    return this.finish(lease, "failed", error);
  }

  async claimStale(leaseMs: number, limit: number): Promise<RecoveredEvent[]> {
    const tokens = Array.from({ length: limit }, () => randomUUID());
    const flat = (await this.client.eval(
      CLAIM_STALE,
      1,
      this.leases(),
      this.key(""),
      leaseMs,
      ...tokens,
    )) as string[];
    const recovered: RecoveredEvent[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      const [id, token, attempts, stored] = flat.slice(i, i + 4) as [string, string, string, string];
      const { timestamp, payload } = JSON.parse(stored) as { timestamp: number; payload: unknown };
      recovered.push({ lease: { id, token }, event: { id, timestamp, payload }, attempts: Number(attempts) });
    }
    return recovered;
  }

  async get(id: string): Promise<EventRecord | null> {
    const hash = await this.client.hgetall(this.key(id));
    if (hash.state === undefined) return null;
    return {
      id,
      state: hash.state as EventRecord["state"],
      attempts: Number(hash.attempts ?? 0),
      leaseExpiresAt: hash.lease ? new Date(Number(hash.lease)) : null,
      lastError: hash.lastError ? hash.lastError : null,
    };
  }

  private async finish(lease: Lease, state: "done" | "failed", error: string): Promise<boolean> {
    const result = await this.client.eval(
      FINISH,
      2,
      this.key(lease.id),
      this.leases(),
      lease.id,
      lease.token,
      state,
      error,
      this.retentionMs,
    );
    return result === 1;
  }

  private key(id: string): string {
    return `${this.prefix}event:${id}`;
  }

  private leases(): string {
    return `${this.prefix}leases`;
  }
}
