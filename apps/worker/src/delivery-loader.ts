// Reads the deliveries that concurrent jobs need in one query instead of one query per job: loads
// asked for while a read is out wait for the next one, so the batch follows the job rate with no
// fixed delay (the recorder's group commit, applied to reads).
import { type Database, type DeliveryForAttempt, loadDeliveriesForAttempt } from "@hookline/db";

export type DeliveryLoader = { load(id: string): Promise<DeliveryForAttempt | undefined> };

export type DeliveryLoaderOptions = {
  /** Most ids per query (default 500). */
  maxBatch?: number;
  /** Reads out at once (default 2): one can be on the wire while the next batch gathers. */
  maxInFlight?: number;
  /** The read itself; `loadDeliveriesForAttempt` by default. */
  read?: (ids: string[]) => Promise<DeliveryForAttempt[]>;
};

type Waiter = { resolve(value: DeliveryForAttempt | undefined): void; reject(error: unknown): void };

export function createDeliveryLoader(db: Database, options: DeliveryLoaderOptions = {}): DeliveryLoader {
  const maxBatch = options.maxBatch ?? 500;
  const maxInFlight = options.maxInFlight ?? 2;
  const read = options.read ?? ((ids: string[]) => loadDeliveriesForAttempt(db, ids));
  let waiting = new Map<string, Waiter[]>();
  let inFlight = 0;
  let scheduled = false;

  function schedule() {
    if (scheduled || inFlight >= maxInFlight || waiting.size === 0) return;
    scheduled = true;
    // After the current burst of I/O callbacks, so the jobs that arrived together share one read.
    setImmediate(() => {
      scheduled = false;
      while (inFlight < maxInFlight && waiting.size > 0) void flush();
    });
  }

  async function flush(): Promise<void> {
    const batch = new Map<string, Waiter[]>();
    for (const [id, waiters] of waiting) {
      if (batch.size >= maxBatch) break;
      batch.set(id, waiters);
    }
    for (const id of batch.keys()) waiting.delete(id);
    if (waiting.size === 0) waiting = new Map();
    inFlight++;
    try {
      const found = new Map((await read([...batch.keys()])).map((delivery) => [delivery.id, delivery]));
      for (const [id, waiters] of batch) for (const waiter of waiters) waiter.resolve(found.get(id));
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    } finally {
      inFlight--;
      schedule();
    }
  }

  return {
    load(id) {
      return new Promise((resolve, reject) => {
        const waiters = waiting.get(id);
        if (waiters) waiters.push({ resolve, reject });
        else waiting.set(id, [{ resolve, reject }]);
        schedule();
      });
    },
  };
}
