// The contract every idempotency store meets (memory, Postgres, Redis): one record per
// webhook id, claimed atomically, owned through a lease whose token fences out stale owners.

export type EventState = "in-progress" | "done" | "failed";

/** What a store keeps of an event, enough to process it again after a crash. */
export interface StoredEvent {
  id: string;
  /** The `webhook-timestamp`, Unix seconds. */
  timestamp: number;
  payload: unknown;
}

export interface EventRecord {
  id: string;
  state: EventState;
  /** Handler attempts started so far, across processes. */
  attempts: number;
  /** While `in-progress`: when the owner's lease runs out and a sweeper may take the event over. */
  leaseExpiresAt: Date | null;
  /** Why the event ended `failed`. */
  lastError: string | null;
}

/** Proof of ownership of one in-progress record; writes with a token that lost the lease are refused. */
export interface Lease {
  id: string;
  token: string;
}

export interface RecoveredEvent {
  lease: Lease;
  event: StoredEvent;
  /** Attempts the earlier owner(s) had started. */
  attempts: number;
}

export interface IdempotencyStore {
  /**
   * Records the event as `in-progress` under a new lease if its id is unknown, atomically.
   * Resolves to the lease only once the record is durable; to `null` if the id was already
   * recorded, whatever its state.
   */
  claim(event: StoredEvent, leaseMs: number): Promise<Lease | null>;
  /** Pushes the lease's expiry `leaseMs` from now; `false` if the lease was lost. */
  renew(lease: Lease, leaseMs: number): Promise<boolean>;
  /** Counts one more handler attempt and renews the lease; the new count, or `null` if the lease was lost. */
  startAttempt(lease: Lease, leaseMs: number): Promise<number | null>;
  /** Marks the event `done`; `false` if the lease was lost. */
  complete(lease: Lease): Promise<boolean>;
  /** Marks the event `failed` with the reason; `false` if the lease was lost. */
  fail(lease: Lease, error: string): Promise<boolean>;
  /**
   * Takes over up to `limit` `in-progress` records whose lease has expired (their owner crashed
   * or hung), each under a new lease; two concurrent callers never get the same record.
   */
  claimStale(leaseMs: number, limit: number): Promise<RecoveredEvent[]>;
  get(id: string): Promise<EventRecord | null>;
}
