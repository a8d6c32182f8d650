// One attempt per delivery at a time in this worker process. Two jobs can carry the same delivery:
// a batch, and the delivery's own job that the reconciler added while the batch waited in a backlog
// longer than its grace. Taken side by side, both would read the delivery as unattempted and send
// it. Here the batch leaves a delivery that is already under way to the job that has it, and the
// delivery's own job waits for the batch's attempt and then reads what it recorded. (Across worker
// processes the window stays: a duplicate there is what at-least-once allows.)

export type DeliveriesInFlight = {
  /** Runs `attempt` unless one for `deliveryId` is under way here: then `undefined`, nothing run. */
  runUnlessBusy<T>(deliveryId: string, attempt: () => Promise<T>): Promise<T | undefined>;
  /** Runs `attempt` once no other attempt for `deliveryId` is under way here. */
  runAfterOthers<T>(deliveryId: string, attempt: () => Promise<T>): Promise<T>;
};

export function createDeliveriesInFlight(): DeliveriesInFlight {
  const running = new Map<string, Promise<unknown>>();

  /** Registers and runs `attempt`; the caller has checked that nothing for the id runs. */
  async function run<T>(deliveryId: string, attempt: () => Promise<T>): Promise<T> {
    const attempting = attempt();
    running.set(deliveryId, attempting);
    try {
      return await attempting;
    } finally {
      running.delete(deliveryId);
    }
  }

  return {
    async runUnlessBusy(deliveryId, attempt) {
      return running.has(deliveryId) ? undefined : run(deliveryId, attempt);
    },
    async runAfterOthers(deliveryId, attempt) {
      // Another waiter may take the id first once it frees, so look again after each wait.
      for (let other = running.get(deliveryId); other; other = running.get(deliveryId)) {
        await other.catch(() => {});
      }
      return run(deliveryId, attempt);
    },
  };
}
