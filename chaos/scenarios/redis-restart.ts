// Redis restarts without persistence mid-stream: every job, delay, lock and breaker
// is gone. Postgres is the truth: the API keeps accepting (enqueue failures are logged), and the
// reconciler re-enqueues every due delivery that has no job, and every fan-out still to be written.
import { createTenant, type Scenario, streamWithFault, WIDE_TENANT_ENDPOINTS } from "../lib/scenario.js";

export const redisRestart: Scenario = {
  name: "Redis restart, data gone",
  fast: true,
  async run(ctx) {
    const tenant = await createTenant(ctx.stack, "redis");
    const wide = await createTenant(ctx.stack, "redis-wide", WIDE_TENANT_ENDPOINTS);
    return streamWithFault(ctx, "Redis restart, data gone", [tenant, wide], async () => {
      await ctx.redis.restartEmpty(1_000);
      return { notes: ["Redis killed (-9) and started empty after 1 s"] };
    });
  },
};
