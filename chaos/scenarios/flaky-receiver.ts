// A receiver that fails 30 % of requests, half with a 500 and half by never answering (bounded by
// the request timeout). Retries deliver everything; a receiver that got a request it never answered
// may see it again later, which the duplicates column shows. The circuit must not open for this:
// failures are scattered, not consecutive.

import { sleep } from "../lib/processes.js";
import { closeLedger, createTenant, type Scenario, startTickLoad } from "../lib/scenario.js";

const FAIL_RATIO = 0.3;

export const flakyReceiver: Scenario = {
  name: "receiver fails 30 % (500 or hang)",
  fast: false,
  async run(ctx) {
    const { stack, profile } = ctx;
    const tenant = await createTenant(stack, "flaky");
    for (const endpoint of tenant.endpoints)
      await stack.setMode(endpoint.path, "flaky", { failRatio: FAIL_RATIO });
    const load = startTickLoad(ctx, tenant);
    await sleep(profile.streamMs);
    const sent = await load.stop();
    // The fault lasts as long as the receiver is flaky: to the end. Drain is measured from the
    // stream's end.
    const result = await closeLedger(
      ctx,
      "receiver fails 30 % (500 or hang)",
      [{ accepted: sent.accepted, endpoints: tenant.endpoints }],
      { since: Date.now() },
      {
        notes: [`${FAIL_RATIO * 100} % of requests: half 500, half no answer (request timeout 2 s)`],
      },
    );
    const path = tenant.endpoints[0]?.path ?? "";
    const stats = await stack.receiverStats(path);
    const requests = Object.values(stats.received).reduce((sum, n) => sum + n, 0);
    result.notes.push(`${requests} requests for ${sent.accepted.length} events`);
    return result;
  },
};
