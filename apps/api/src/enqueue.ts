// Hands accepted work to the queue. Postgres already holds it, so a Redis failure here is logged,
// not returned to the caller: the reconciler enqueues whatever this could not.
import { type DeliveryQueue, enqueueFanOuts, enqueueNow } from "@hookline/queue";
import type { Logger } from "pino";

const ENQUEUE_TIMEOUT_MS = 2_000;

/** Enqueues each fan-out (the deliveries of one event, or of one batch) in one Redis call; `now`
 * makes deliveries due at once that may already have a delayed job (retries, replays). */
export async function enqueueAccepted(
  queue: DeliveryQueue,
  logger: Logger,
  fanOuts: readonly (readonly string[])[],
  options: { now?: boolean } = {},
): Promise<void> {
  const count = fanOuts.reduce((sum, ids) => sum + ids.length, 0);
  if (count === 0) return;
  const add = options.now ? enqueueNow(queue, fanOuts.flat()) : enqueueFanOuts(queue, fanOuts);
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
