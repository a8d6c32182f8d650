// The shape of one bench run's results, as written to bench/results/<name>.json.
import type { LedgerReport } from "../lib/ledger.js";
import type { BaselineResults } from "../scenarios/baselines.js";
import type { CapacityResult } from "../scenarios/capacity.js";
import type { DrainResult } from "../scenarios/delivery.js";
import type { FanoutLevel } from "../scenarios/fanout.js";
import type { IngestResults } from "../scenarios/ingest.js";
import type { IsolationResult } from "../scenarios/isolation.js";
import type { LatencyResult } from "../scenarios/latency.js";
import type { SoakResult } from "../scenarios/soak.js";
import type { TargetCheck } from "./targets.js";

export type BenchMeta = {
  startedAt: string;
  finishedAt?: string;
  mode: "quick" | "full";
  commit: string;
  node: string;
  cpus: number;
  /** 1-, 5- and 15-minute load averages before and after the run (other engineers share the machine). */
  loadBefore: number[];
  loadAfter?: number[];
  workerConcurrency: number;
  ingestConnections: number;
  /** Knobs given to the API and worker for this run (beyond the bench's fixed settings). */
  env: Record<string, string>;
};

export type BenchResults = {
  meta: BenchMeta;
  baselines?: BaselineResults;
  ingest?: Omit<IngestResults, "ledgers">;
  drain?: DrainResult;
  soak?: SoakResult;
  capacity?: CapacityResult;
  latency?: LatencyResult;
  fanout?: FanoutLevel[];
  isolation?: IsolationResult;
  ledger: LedgerReport[];
  targets: TargetCheck[];
  /** True when some ledger does not balance: the figures are not to be trusted. */
  void: boolean;
};
