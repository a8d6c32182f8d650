// Redis restarts without persistence mid-stream: every job, delay, lock and breaker
// is gone. Postgres is the truth: the API keeps accepting (enqueue failures are logged), and the
// reconciler re-enqueues every due delivery that has no job.
import { createTenant, type Scenario, streamWithFault } from "../lib/scenario.js";

export const redisRestart: Scenario = {
  name: "Redis restart, data gone",
  fast: true,
  async run(ctx) {
    const tenant = await createTenant(ctx.stack, "redis");
    return streamWithFault(ctx, "Redis restart, data gone", tenant, async () => {
      await ctx.redis.restartEmpty(1_000);
      return { notes: ["Redis killed (-9) and started empty after 1 s"] };
    });
  },
};
