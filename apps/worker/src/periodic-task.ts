// A pass that repeats on a timer in the background, never overlapping itself: the reconciler and
// the endpoint health sweep. A failed pass is logged and the next tick tries again.
import type { Logger } from "pino";

export type PeriodicTask = {
  /** Runs one pass now (tests and operators); resolves to what the pass counted. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
};

export function startPeriodicTask(
  name: string,
  pass: () => Promise<number>,
  options: { intervalMs: number; logger: Logger },
): PeriodicTask {
  let running: Promise<number> | undefined;
  const tick = () => {
    if (running) return;
    running = pass()
      .catch((error: unknown) => {
        options.logger.warn({ err: error }, `${name} failed; will retry`);
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    runOnce: pass,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
