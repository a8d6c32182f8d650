// The ledger every scenario ends with: for each accepted event and each endpoint it was meant for,
// either the receiver acknowledged it (delivered), or Hookline parked it in the dead-letter table
// (dead), or it is missing. Acknowledgements beyond the first of one event at one endpoint are
// duplicates (at-least-once allows them; they are counted, not hidden). The receiver is the witness
// for "delivered", Postgres for "dead".
import type { Stack } from "./stack.js";

export type ChaosEndpoint = { id: string; path: string };

/** Events that every one of `endpoints` was owed (one application's stream). */
export type Owed = { accepted: readonly string[]; endpoints: readonly ChaosEndpoint[] };

export type Ledger = {
  /** Events the API accepted (2xx). */
  accepted: number;
  /** Deliveries owed: accepted events × endpoints. */
  expected: number;
  delivered: number;
  dead: number;
  /** Neither delivered nor dead (while draining: not yet). */
  missing: number;
  duplicates: number;
};

export async function readLedger(stack: Stack, owed: readonly Owed[]): Promise<Ledger> {
  const ledger: Ledger = { accepted: 0, expected: 0, delivered: 0, dead: 0, missing: 0, duplicates: 0 };
  for (const { accepted, endpoints } of owed) await addToLedger(ledger, stack, accepted, endpoints);
  return ledger;
}

async function addToLedger(
  ledger: Ledger,
  stack: Stack,
  acceptedEventIds: readonly string[],
  endpoints: readonly ChaosEndpoint[],
): Promise<void> {
  const rows = await stack.db.query<{ event_id: string; endpoint_id: string; status: string }>(
    "select event_id, endpoint_id, status from deliveries where event_id = any($1::text[])",
    [acceptedEventIds],
  );
  const status = new Map(rows.rows.map((row) => [`${row.event_id} ${row.endpoint_id}`, row.status]));
  ledger.accepted += acceptedEventIds.length;
  ledger.expected += acceptedEventIds.length * endpoints.length;
  for (const endpoint of endpoints) {
    const { acknowledged } = await stack.receiverStats(endpoint.path);
    for (const eventId of acceptedEventIds) {
      const acks = acknowledged[eventId] ?? 0;
      if (acks > 0) {
        ledger.delivered++;
        ledger.duplicates += acks - 1;
      } else if (status.get(`${eventId} ${endpoint.id}`) === "failed") {
        ledger.dead++;
      } else {
        ledger.missing++;
      }
    }
  }
}

/** Waits until nothing is outstanding (or `timeoutMs` passes); returns the ledger then and how long
 * the wait took: the scenario's time to drain after its fault. */
export async function drain(
  stack: Stack,
  owed: readonly Owed[],
  options: { timeoutMs: number; since?: number },
): Promise<{ ledger: Ledger; drainMs: number; drained: boolean }> {
  const since = options.since ?? Date.now();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const ledger = await readLedger(stack, owed).catch(() => undefined);
    if (ledger && ledger.missing === 0) return { ledger, drainMs: Date.now() - since, drained: true };
    if (Date.now() > deadline) {
      const final = ledger ?? (await readLedger(stack, owed));
      return { ledger: final, drainMs: Date.now() - since, drained: false };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
