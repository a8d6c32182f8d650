// The chaos suite's fast scenarios inside `npm test`: the real API and worker as separate processes,
// a steady stream of events, one fault each (worker kill -9, worker SIGTERM, Redis restarted empty,
// one endpoint hanging beside nine healthy ones). Each must end with nothing missing. The full suite,
// with Postgres restarts and a flaky receiver, is `npm run chaos`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunOutcome, renderTable, runScenarios } from "../chaos/lib/runner.js";
import { PROFILES } from "../chaos/lib/scenario.js";
import { SCENARIOS } from "../chaos/scenarios/index.js";

const fast = SCENARIOS.filter((scenario) => scenario.fast);
const log: string[] = [];
let outcomes: RunOutcome[] = [];

beforeAll(async () => {
  outcomes = await runScenarios(fast, PROFILES.fast, (message) => log.push(message), { shareStack: true });
}, 180_000);
afterAll(() => {
  if (outcomes.some((outcome) => !outcome.ok)) console.log(`${log.join("\n")}\n${renderTable(outcomes)}`);
});

describe("chaos, fast scenarios", () => {
  for (const scenario of fast) {
    it(`${scenario.name}: every accepted event is delivered or dead-lettered, none missing`, () => {
      const outcome = outcomes.find((o) => o.scenario === scenario.name);
      expect(outcome?.error).toBeUndefined();
      expect(outcome?.ledger.accepted).toBeGreaterThan(0);
      expect(outcome?.ledger.missing).toBe(0);
      expect((outcome?.ledger.delivered ?? 0) + (outcome?.ledger.dead ?? 0)).toBe(outcome?.ledger.expected);
      expect(outcome?.drained).toBe(true);
      for (const check of outcome?.checks ?? [])
        expect(check.ok, `${check.name}: ${check.detail}`).toBe(true);
    });
  }
});
