// Every chaos scenario, in the order the suite runs them.
import type { Scenario } from "../lib/scenario.js";
import { flakyReceiver } from "./flaky-receiver.js";
import { hangingEndpoint } from "./hanging-endpoint.js";
import { postgresRestart } from "./postgres-restart.js";
import { redisRestart } from "./redis-restart.js";
import { workerKill } from "./worker-kill.js";
import { workerSigterm } from "./worker-sigterm.js";

export const SCENARIOS: readonly Scenario[] = [
  workerKill,
  workerSigterm,
  redisRestart,
  postgresRestart,
  flakyReceiver,
  hangingEndpoint,
];
