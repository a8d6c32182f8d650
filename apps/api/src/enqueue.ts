// Hands accepted work to the queue. Postgres already holds it, so a Redis failure here is logged,
// not returned to the caller: the reconciler enqueues whatever this could not.
import type { IngestResult } from "@hookline/db";
import { type DeliveryQueue, enqueueBatched, enqueueNow } from "@hookline/queue";
import type { Logger } from "pino";

const ENQUEUE_TIMEOUT_MS = 2_000;

/** Enqueues the deliveries (in batch jobs) and a write-deliveries job for each of
 * `unwrittenEventIds` in one Redis call; `now` makes deliveries due at once that may already have a
 * delayed job (retries, replays). */
export async function enqueueAccepted(
  queue: DeliveryQueue,
  logger: Logger,
  deliveryIds: readonly string[],
  options: { now?: boolean; unwrittenEventIds?: readonly string[] } = {},
): Promise<void> {
  const unwritten = options.unwrittenEventIds ?? [];
  const count = deliveryIds.length + unwritten.length;
  if (count === 0) return;
  const add = options.now ? enqueueNow(queue, deliveryIds) : enqueueBatched(queue, deliveryIds, unwritten);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`enqueue took over ${ENQUEUE_TIMEOUT_MS} ms`)),
      ENQUEUE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([add, timeout]);
  } catch (error) {
    logger.warn({ err: error, count }, "enqueue failed; the reconciler will enqueue these");
  } finally {
    clearTimeout(timer);
  }
}

/** What ingest accepted, for `enqueueAccepted`: the deliveries it wrote, and the events whose
 * deliveries the worker writes. */
export function ingestedWork(results: readonly IngestResult[]) {
  return {
    deliveryIds: results.flatMap((result) =>
      result.deliveriesWritten ? result.deliveries.map((delivery) => delivery.id) : [],
    ),
    unwrittenEventIds: results.flatMap((result) => (result.deliveriesWritten ? [] : [result.event.id])),
  };
}
