// kill -9 of the worker mid-stream, then a new worker: the jobs the dead one held run again once
// their lock lapses (HOOKLINE_JOB_LOCK_DURATION), so what it had sent but not yet recorded may
// arrive twice; nothing may be missing — also of a fan-out the worker was still to write.
import { sleep } from "../lib/processes.js";
import { createTenant, type Scenario, streamWithFault, WIDE_TENANT_ENDPOINTS } from "../lib/scenario.js";

export const workerKill: Scenario = {
  name: "worker kill -9",
  fast: true,
  async run(ctx) {
    const tenant = await createTenant(ctx.stack, "kill");
    const wide = await createTenant(ctx.stack, "kill-wide", WIDE_TENANT_ENDPOINTS);
    // Answers that take a while keep deliveries in flight when the kill lands.
    for (const endpoint of [...tenant.endpoints, ...wide.endpoints])
      await ctx.stack.setMode(endpoint.path, "ok", { delayMs: 150 });
    return streamWithFault(ctx, "worker kill -9", [tenant, wide], async () => {
      const killed = ctx.stack.worker();
      await killed.kill();
      await sleep(500);
      await ctx.stack.startWorker();
      return {
        checks: [
          {
            name: "the worker died by SIGKILL",
            ok: killed.child.signalCode === "SIGKILL",
            detail: `signal ${killed.child.signalCode}`,
          },
        ],
      };
    });
  },
};
