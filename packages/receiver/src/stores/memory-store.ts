// An in-process idempotency store for tests and single-process receivers: nothing survives a
// restart. JavaScript's single thread makes each method atomic.
import { randomUUID } from "node:crypto";
import type { EventRecord, IdempotencyStore, Lease, RecoveredEvent, StoredEvent } from "./store.js";

export interface MemoryStoreOptions {
  /** Clock in ms since the epoch, for tests that move time. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  state: EventRecord["state"];
  attempts: number;
  token: string | null;
  leaseExpiresAt: number | null;
  lastError: string | null;
  event: StoredEvent;
}

export class MemoryStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async claim(event: StoredEvent, leaseMs: number): Promise<Lease | null> {
    if (this.entries.has(event.id)) return null;
    const token = randomUUID();
    this.entries.set(event.id, {
      state: "in-progress",
      attempts: 0,
      token,
      leaseExpiresAt: this.now() + leaseMs,
      lastError: null,
      event: structuredClone(event),
    });
    return { id: event.id, token };
  }

  async renew(lease: Lease, leaseMs: number): Promise<boolean> {
    const entry = this.owned(lease);
    if (entry === undefined) return false;
    entry.leaseExpiresAt = this.now() + leaseMs;
    return true;
  }

  async startAttempt(lease: Lease, leaseMs: number): Promise<number | null> {
    const entry = this.owned(lease);
    if (entry === undefined) return null;
    entry.leaseExpiresAt = this.now() + leaseMs;
    entry.attempts += 1;
    return entry.attempts;
  }

  async complete(lease: Lease): Promise<boolean> {
    return this.finish(lease, "done", null);
  }

  async fail(lease: Lease, error: string): Promise<boolean> {
    return this.finish(lease, "failed", error);
  }

  async claimStale(leaseMs: number, limit: number): Promise<RecoveredEvent[]> {
    const now = this.now();
    const recovered: RecoveredEvent[] = [];
    for (const [id, entry] of this.entries) {
      if (recovered.length >= limit) break;
      if (entry.state !== "in-progress" || (entry.leaseExpiresAt ?? 0) > now) continue;
      entry.token = randomUUID();
      entry.leaseExpiresAt = now + leaseMs;
      recovered.push({
        lease: { id, token: entry.token },
        event: structuredClone(entry.event),
        attempts: entry.attempts,
      });
    }
    return recovered;
  }

  async get(id: string): Promise<EventRecord | null> {
    const entry = this.entries.get(id);
    if (entry === undefined) return null;
    return {
      id,
      state: entry.state,
      attempts: entry.attempts,
      leaseExpiresAt: entry.leaseExpiresAt === null ? null : new Date(entry.leaseExpiresAt),
      lastError: entry.lastError,
    };
  }

  private owned(lease: Lease): Entry | undefined {
    const entry = this.entries.get(lease.id);
    return entry?.state === "in-progress" && entry.token === lease.token ? entry : undefined;
  }

  private finish(lease: Lease, state: "done" | "failed", error: string | null): boolean {
    const entry = this.owned(lease);
    if (entry === undefined) return false;
    entry.state = state;
    entry.token = null;
    entry.leaseExpiresAt = null;
    entry.lastError = error;
    return true;
  }
}
