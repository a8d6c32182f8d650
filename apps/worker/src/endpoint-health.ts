// The slow half of endpoint health: an endpoint whose every attempt has failed for
// HOOKLINE_ENDPOINT_DISABLE_AFTER (5 days) is disabled, with an `endpoint.disabled` operational event
// written in the same transaction. Its pending deliveries are then dead-lettered by the worker
// (errorClass `endpoint-disabled`); re-enabling it with `replayMissed` brings them back.
import { type Database, disableFailingEndpoints } from "@hookline/db";
import type { Logger } from "pino";
import { autoDisabledEvent, type OperationalEvents, type WrittenEvents } from "./operational-events.js";
import { type PeriodicTask, startPeriodicTask } from "./periodic-task.js";

export type EndpointHealthSweeper = PeriodicTask;

export function startEndpointHealthSweeper(
  deps: {
    db: Database;
    operations: OperationalEvents;
    /** Tells every worker's endpoint cache that the endpoint changed. */
    announce(endpointId: string): Promise<void>;
    logger: Logger;
  },
  options: { disableAfterMs: number; intervalMs?: number },
): EndpointHealthSweeper {
  // A fraction of the window, so an endpoint is disabled close to its deadline, but never busier
  // than once a second nor lazier than once a minute.
  const intervalMs = options.intervalMs ?? Math.min(Math.max(options.disableAfterMs / 20, 1_000), 60_000);

  async function runOnce(): Promise<number> {
    const cutoff = new Date(Date.now() - options.disableAfterMs);
    const { disabled, written } = await deps.db.transaction(async (tx) => {
      const disabled = await disableFailingEndpoints(tx, cutoff);
      const written: WrittenEvents = await deps.operations.write(tx, disabled.map(autoDisabledEvent));
      return { disabled, written };
    });
    if (disabled.length === 0) return 0;
    await deps.operations.published(written);
    for (const endpoint of disabled) {
      await deps
        .announce(endpoint.endpointId)
        .catch((error: unknown) =>
          deps.logger.warn(
            { err: error, endpointId: endpoint.endpointId },
            "could not announce disabled endpoint",
          ),
        );
    }
    return disabled.length;
  }

  return startPeriodicTask("endpoint health sweep", runOnce, { intervalMs: intervalMs, logger: deps.logger });
}
