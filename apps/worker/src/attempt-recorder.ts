// Group commit for attempts: records arriving while a batch is being written wait for the next
// one, so the write rate follows the delivery rate without one transaction per attempt. A job
// finishes only after its batch committed: a crash can re-send, never lose.
import { type AttemptRecord, type Database, recordAttempts } from "@hookline/db";

export type AttemptRecorder = { record(record: AttemptRecord): Promise<void>; close(): Promise<void> };

export type RecorderOptions = {
  maxBatch?: number;
  maxDelayMs?: number;
  /** Writes one batch; `recordAttempts` by default (the worker adds operational events to it). */
  write?: (records: AttemptRecord[]) => Promise<unknown>;
};

export function createAttemptRecorder(db: Database, options: RecorderOptions = {}): AttemptRecorder {
  const maxBatch = options.maxBatch ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 2;
  const write = options.write ?? ((records: AttemptRecord[]) => recordAttempts(db, records));
  type Pending = { record: AttemptRecord; resolve: () => void; reject: (error: unknown) => void };
  let queue: Pending[] = [];
  let writing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function schedule() {
    if (writing || timer) return;
    if (queue.length >= maxBatch) {
      writing = flush();
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      if (!writing) writing = flush();
    }, maxDelayMs);
  }

  async function flush(): Promise<void> {
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    try {
      await write(batch.map((item) => item.record));
      for (const item of batch) item.resolve();
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      writing = undefined;
      if (queue.length > 0) schedule();
    }
  }

  return {
    record(record) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        schedule();
      });
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (writing || queue.length > 0) {
        if (!writing) writing = flush();
        await writing;
      }
    },
  };
}
