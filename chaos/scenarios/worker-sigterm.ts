// A deploy: SIGTERM to the worker mid-stream, then a new worker. The old one takes no new jobs,
// lets its in-flight deliveries finish and be recorded, and exits 0 within the shutdown deadline:
// nothing is missing, and nothing is sent twice because of the stop.
import { sleep } from "../lib/processes.js";
import { createTenant, type Scenario, streamWithFault } from "../lib/scenario.js";

export const workerSigterm: Scenario = {
  name: "worker SIGTERM (deploy)",
  fast: true,
  async run(ctx) {
    const tenant = await createTenant(ctx.stack, "sigterm");
    // Slow answers keep requests in flight when the signal lands.
    for (const endpoint of tenant.endpoints) await ctx.stack.setMode(endpoint.path, "ok", { delayMs: 150 });
    const result = await streamWithFault(ctx, "worker SIGTERM (deploy)", [tenant], async () => {
      const stopped = await ctx.stack.worker().terminate(30_000);
      await sleep(200);
      await ctx.stack.startWorker();
      return {
        checks: [
          {
            name: "the worker exited 0 within the shutdown deadline",
            ok: stopped.code === 0 && stopped.ms < 12_000,
            detail: `exit ${stopped.code} after ${stopped.ms} ms`,
          },
        ],
      };
    });
    result.checks.push({
      name: "no duplicates from the deploy",
      ok: result.ledger.duplicates === 0,
      detail: `${result.ledger.duplicates} duplicates`,
    });
    return result;
  },
};
