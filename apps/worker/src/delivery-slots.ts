// How many deliveries this worker process has going at once. A batch job brings many deliveries and
// a delivery job one; each takes a slot here for its attempt, so HOOKLINE_WORKER_CONCURRENCY bounds
// the attempts in flight however the jobs carry them. Slots are handed over first come, first served.

export type DeliverySlots = {
  /** Runs `attempt` once a slot is free, and frees it when `attempt` settles. */
  run<T>(attempt: () => Promise<T>): Promise<T>;
};

export function createDeliverySlots(size: number): DeliverySlots {
  let free = size;
  const waiting: (() => void)[] = [];

  function release() {
    const next = waiting.shift();
    if (next) next();
    else free++;
  }

  return {
    async run(attempt) {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await attempt();
      } finally {
        release();
      }
    },
  };
}
