// Group commit for single-event ingest. Each request still gets its own answer only after its event
// is committed and enqueued, but requests that arrive while `writers` statements are already in
// flight wait and go together in the next one: one round trip, one commit (one WAL flush) and one
// Redis call for the whole group instead of one each. An idle API writes each event at once; a
// request waits only while all writers are busy, for about one statement's time, and the fewer
// commits let more events through than as many statements side by side did (docs/performance.md,
// finding 12).
import { type Database, type IngestInput, type IngestResult, ingestEvents } from "@hookline/db";
import type { DeliveryQueue } from "@hookline/queue";
import type { Logger } from "pino";
import { enqueueAccepted, ingestedWork } from "./enqueue.js";

/** Most events in one group statement, and most payload bytes (JSON) in one. */
const GROUP_MAX_EVENTS = 100;
const GROUP_MAX_BYTES = 1024 * 1024;

export type IngestCommitter = {
  /** Records the event and its deliveries, enqueues them; `payloadBytes` is its JSON size. */
  ingest(input: IngestInput, payloadBytes: number): Promise<IngestResult>;
};

type Waiting = {
  input: IngestInput;
  payloadBytes: number;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
};

export function createIngestCommitter(
  deps: { db: Database; queue: DeliveryQueue; logger: Logger },
  options: { writers: number },
): IngestCommitter {
  const waiting: Waiting[] = [];
  let writing = 0;

  function takeGroup(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (count < waiting.length && count < GROUP_MAX_EVENTS) {
      bytes += (waiting[count] as Waiting).payloadBytes;
      if (count > 0 && bytes > GROUP_MAX_BYTES) break;
      count++;
    }
    return waiting.splice(0, count);
  }

  function pump(): void {
    while (writing < options.writers && waiting.length > 0) {
      writing++;
      const group = takeGroup();
      commit(group)
        .catch((error: unknown) => {
          for (const entry of group) entry.reject(error);
        })
        .finally(() => {
          writing--;
          pump();
        });
    }
  }

  async function commit(group: Waiting[]): Promise<void> {
    const outcomes = await write(group.map((entry) => entry.input));
    // A duplicate is enqueued again too: harmless (same job ids), and it repairs a first request
    // that committed but died before enqueuing. The group's deliveries travel together in batch
    // jobs: one job for the API to add (and the worker to take) per DELIVERIES_PER_BATCH.
    const work = ingestedWork(
      outcomes.filter((outcome): outcome is IngestResult => !(outcome instanceof Error)),
    );
    await enqueueAccepted(deps.queue, deps.logger, work.deliveryIds, {
      unwrittenEventIds: work.unwrittenEventIds,
    });
    group.forEach((entry, index) => {
      const outcome = outcomes[index];
      if (outcome instanceof Error || outcome === undefined) entry.reject(outcome);
      else entry.resolve(outcome);
    });
  }

  /** The group's results, or each input's own error: when the group's statement fails (one input's
   * application deleted meanwhile, a deadlock with another group over the same idempotency keys),
   * each input is written alone, so one bad input fails only its own request. */
  async function write(inputs: IngestInput[]): Promise<(IngestResult | Error)[]> {
    try {
      return await ingestEvents(deps.db, inputs);
    } catch (error) {
      if (inputs.length === 1) return [asError(error)];
      return Promise.all(
        inputs.map((input) =>
          ingestEvents(deps.db, [input]).then(
            ([result]) => result ?? new Error("ingest returned no result"),
            asError,
          ),
        ),
      );
    }
  }

  return {
    ingest(input, payloadBytes) {
      return new Promise<IngestResult>((resolve, reject) => {
        waiting.push({ input, payloadBytes, resolve, reject });
        pump();
      });
    },
  };
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
