// Isolation: ten endpoints of one application get every event; first all answer at once (the
// no-fault run), then one of them hangs forever while the stream goes on. The nine healthy
// endpoints' delivery p99 during the fault must stay within 2× of the no-fault run, measured in the
// same run. The full profile does this twice with fresh applications (no fault, fault, no fault,
// fault), so that a slow spell of a shared machine does not decide the comparison alone.
// The hanging endpoint holds at most its in-flight cap of worker slots, its circuit opens, and,
// failing for the whole HOOKLINE_ENDPOINT_DISABLE_AFTER window (shortened here so the run ends),
// it is disabled; its deliveries land in the dead-letter table.
import { describeSummary, inWindow, summarize } from "../lib/latency.js";
import type { Owed } from "../lib/ledger.js";
import { startLoad } from "../lib/load.js";
import { sleep } from "../lib/processes.js";
import { closeLedger, createTenant, type Profile, type Scenario } from "../lib/scenario.js";

const NAME = "1 endpoint hangs, 9 healthy";
const ENDPOINTS = 10;
/** The in-flight cap per endpoint (a quarter of the chaos worker's 40 slots, as by default). */
const MAX_IN_FLIGHT = 10;
/** The first seconds of the first no-fault run warm the processes up (JIT, connection pools). */
const WARM_UP_MS = 2_000;

const rounds = (profile: Profile) => (profile.name === "fast" ? 1 : 2);
const phaseMs = (profile: Profile) => (profile.name === "fast" ? 4_000 : 20_000);
/** The default 15 s in the full run; in the fast one just past the fault phase, so the run ends
 * sooner while the cap still has to do the isolating (8 events/s × 6 s > the worker's 40 slots). */
const requestTimeout = (profile: Profile) => (profile.name === "fast" ? "6s" : "15s");
const perSecond = (profile: Profile) => (profile.name === "fast" ? 8 : 10);

export const hangingEndpoint: Scenario = {
  name: NAME,
  fast: true,
  env: (profile) => ({
    // Long enough that each hanging endpoint is disabled only once the whole stream is over (the
    // first starts hanging one phase in), so no later phase measures the clean-up of an earlier one.
    HOOKLINE_ENDPOINT_DISABLE_AFTER: `${Math.ceil(((2 * rounds(profile) - 1) * phaseMs(profile)) / 1000) + (profile.name === "fast" ? 1 : 5)}s`,
    HOOKLINE_ENDPOINT_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
    HOOKLINE_BREAKER_COOLDOWN: "2s",
    // A hanging endpoint holds each of its requests this long, so without the in-flight cap it
    // would fill every worker slot (10 events/s × 15 s > 40 slots).
    HOOKLINE_REQUEST_TIMEOUT: requestTimeout(profile),
  }),
  async run(ctx) {
    const { stack, profile } = ctx;
    const owed: Owed[] = [];
    const windows: Array<{
      healthy: string[];
      hanging: string;
      noFault: [number, number];
      fault: [number, number];
    }> = [];

    for (let round = 0; round < rounds(profile); round++) {
      const tenant = await createTenant(stack, `isolation${round}`, ENDPOINTS);
      const hanging = tenant.endpoints[ENDPOINTS - 1];
      if (!hanging) throw new Error("no endpoints");
      const load = startLoad({
        apiUrl: stack.apiUrl,
        key: tenant.producerKey,
        appId: tenant.appId,
        eventType: "chaos.fanout",
        perSecond: perSecond(profile),
      });
      const noFaultStart = Date.now() + (round === 0 ? WARM_UP_MS : 0);
      await sleep(phaseMs(profile));
      const faultStart = Date.now();
      await stack.setMode(hanging.path, "hang");
      ctx.log(`isolation round ${round + 1}: ${hanging.path} hangs from now on`);
      await sleep(phaseMs(profile));
      const faultEnd = Date.now();
      const sent = await load.stop();
      owed.push({ accepted: sent.accepted, endpoints: tenant.endpoints });
      windows.push({
        healthy: tenant.endpoints.slice(0, ENDPOINTS - 1).map((endpoint) => endpoint.path),
        hanging: hanging.path,
        noFault: [noFaultStart, faultStart],
        fault: [faultStart, faultEnd],
      });
    }

    const result = await closeLedger(ctx, NAME, owed, { since: Date.now() }, {});
    const noFault: number[] = [];
    const fault: number[] = [];
    let unanswered = 0;
    let maxOpen = 0;
    const perRound: string[] = [];
    for (const [round, window] of windows.entries()) {
      const roundNoFault: number[] = [];
      const roundFault: number[] = [];
      for (const path of window.healthy) {
        const { latencies } = await stack.receiverStats(path);
        roundNoFault.push(...inWindow(latencies, ...window.noFault));
        roundFault.push(...inWindow(latencies, ...window.fault));
      }
      noFault.push(...roundNoFault);
      fault.push(...roundFault);
      perRound.push(
        `round ${round + 1}: no fault p99 ${summarize(roundNoFault).p99} ms, fault p99 ${summarize(roundFault).p99} ms`,
      );
      const hangStats = await stack.receiverStats(window.hanging);
      const count = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);
      unanswered += count(hangStats.received) - count(hangStats.acknowledged);
      maxOpen = Math.max(maxOpen, hangStats.maxOpen);
    }
    const before = summarize(noFault);
    const during = summarize(fault);
    const ratio = during.p99 / Math.max(1, before.p99);
    const comparison = {
      name: "healthy endpoints' p99 during the fault within 2× of the no-fault run",
      ok: before.count > 0 && during.count > 0 && during.p99 <= 2 * before.p99,
      detail: `no fault p99 ${before.p99} ms, one endpoint hanging p99 ${during.p99} ms (${ratio.toFixed(2)}×)`,
    };
    // A p99 of a few hundred samples on a shared machine is a measurement, not a test: the fast
    // profile (inside `npm test`) reports it; `npm run chaos` holds the suite to it.
    if (profile.name === "full") result.checks.push(comparison);
    else
      result.notes.push(
        `${comparison.name} (reported, not enforced in the fast profile): ${comparison.detail}`,
      );
    result.checks.push({
      name: "the hanging endpoint never had more requests out at once than its in-flight cap",
      // A probe may go over the cap by one (the slots being held by requests from before the outage).
      ok: maxOpen <= MAX_IN_FLIGHT + 1,
      detail: `at most ${maxOpen} at once, cap ${MAX_IN_FLIGHT}`,
    });
    const disabled = await stack.db.query<{ n: number }>(
      "select count(*)::int as n from endpoints where url like $1 and disabled and disabled_reason like 'every attempt failed%'",
      [`%/ep/isolation%-${ENDPOINTS - 1}`],
    );
    result.checks.push({
      name: "each hanging endpoint was disabled for failing",
      ok: disabled.rows[0]?.n === windows.length,
      detail: `${disabled.rows[0]?.n ?? 0} of ${windows.length}`,
    });
    const hungEvents = Math.round((windows.length * perSecond(profile) * phaseMs(profile)) / 1000);
    result.notes.push(`no fault (9 healthy endpoints): ${describeSummary(before)}`);
    result.notes.push(`one endpoint hanging (same 9): ${describeSummary(during)}`);
    if (windows.length > 1) {
      // Round 2's no-fault phase runs while round 1's endpoint still hangs (its stream stopped):
      // with isolation working that costs next to nothing, which the per-round figures show.
      result.notes.push(
        `${perRound.join("; ")} (from round 2 on, the earlier hanging endpoint is still there, idle)`,
      );
    }
    result.notes.push(
      `the hanging endpoints got ${unanswered} requests (never answered) for about ${hungEvents} events sent while they hung: in-flight cap, then circuit breaker`,
    );
    result.notes.push(
      "drain is timed from the end of the stream: the endpoint hangs forever, until it is disabled",
    );
    return result;
  },
};
