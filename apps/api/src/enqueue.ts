// Hands accepted work to the queue. Postgres already holds it, so a Redis failure here is logged,
// not returned to the caller: the reconciler enqueues whatever this could not.
import { type DeliveryQueue, enqueueFanOut, enqueueNow } from "@hookline/queue";
import type { Logger } from "pino";

const ENQUEUE_TIMEOUT_MS = 2_000;

export async function enqueueAccepted(
  queue: DeliveryQueue,
  logger: Logger,
  deliveryIds: readonly string[],
  options: { now?: boolean } = {},
): Promise<void> {
  if (deliveryIds.length === 0) return;
  const add = options.now ? enqueueNow(queue, deliveryIds) : enqueueFanOut(queue, deliveryIds);
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
    logger.warn(
      { err: error, count: deliveryIds.length },
      "enqueue failed; the reconciler will enqueue these",
    );
  } finally {
    clearTimeout(timer);
  }
}
