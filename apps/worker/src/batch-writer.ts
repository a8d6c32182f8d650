// How the attempt recorder writes one batch in the worker: recordAttempts, plus in the same
// transaction the operational events its outcome calls for (deliveries dead-lettered, endpoints
// disabled by 410 Gone); after the commit, those events are published and the disabled endpoints
// are dropped from every worker's cache.
import { type AttemptRecord, type Database, type RecordedOutcome, recordAttempts } from "@hookline/db";
import type { Logger } from "pino";
import { type OperationalEvents, outcomeEvents, type WrittenEvents } from "./operational-events.js";

export function createBatchWriter(deps: {
  db: Database;
  operations: OperationalEvents;
  /** Drops the endpoint from this worker's cache and announces the change to the others. */
  endpointChanged(endpointId: string): Promise<void>;
  logger: Logger;
}): (records: AttemptRecord[]) => Promise<RecordedOutcome> {
  return async (records) => {
    let written: WrittenEvents | undefined;
    const outcome = await recordAttempts(deps.db, records, {
      inTransaction: async (tx, outcome) => {
        const events = outcomeEvents(outcome);
        if (events.length > 0) written = await deps.operations.write(tx, events);
      },
    });
    if (written) await deps.operations.published(written);
    for (const { endpointId } of outcome.disabledEndpoints) {
      await deps
        .endpointChanged(endpointId)
        .catch((error: unknown) =>
          deps.logger.warn({ err: error, endpointId }, "could not announce disabled endpoint"),
        );
    }
    return outcome;
  };
}
