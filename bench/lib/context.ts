// What every scenario gets: the running stack, the bench database, the API client, the sizes for
// this mode, and the ledgers that the receiver's arrivals are routed to.
import type { BenchDatabase } from "./bench-database.js";
import type { CpuMeter } from "./cpu-meter.js";
import type { HooklineClient, Tenant } from "./hookline-client.js";
import type { HooklineStack } from "./hookline-stack.js";
import { Ledger, routeArrivals } from "./ledger.js";

export type Sizes = {
  /** Connections of the closed-loop ingest runs (Hookline and the Express baseline alike). */
  ingestConnections: number;
  ingestSeconds: number;
  /** Load on each side before the ingest rounds, so both are measured with their code compiled by
   * V8's optimizing tiers rather than part-way there. */
  ingestWarmupSeconds: number;
  /** Rounds of single-event ingest, alternating with the Express baseline's. */
  ingestRounds: number;
  baselineJobs: number;
  batchSize: number;
  batchRequests: number;
  batchConnections: number;
  soakEvents: number;
  capacitySeconds: number;
  openLoopSeconds: number;
  fanoutEvents: number;
  /** The fixed open-loop rate (events/s) at which every fan-out level's ingest latency is taken. */
  fanoutRate: number;
  fanoutRateSeconds: number;
  fanoutProbes: number;
  isolationSeconds: number;
  isolationEndpoints: number;
};

export const SIZES: Record<"quick" | "full", Sizes> = {
  quick: {
    ingestConnections: 10,
    ingestSeconds: 3,
    ingestWarmupSeconds: 1,
    ingestRounds: 2,
    baselineJobs: 3_000,
    batchSize: 1_000,
    batchRequests: 4,
    batchConnections: 2,
    soakEvents: 10_000,
    capacitySeconds: 5,
    openLoopSeconds: 6,
    fanoutEvents: 100,
    fanoutRate: 40,
    fanoutRateSeconds: 3,
    fanoutProbes: 5,
    isolationSeconds: 6,
    isolationEndpoints: 20,
  },
  full: {
    ingestConnections: 10,
    ingestSeconds: 5,
    ingestWarmupSeconds: 5,
    ingestRounds: 3,
    baselineJobs: 20_000,
    batchSize: 1_000,
    batchRequests: 20,
    batchConnections: 2,
    soakEvents: 100_000,
    capacitySeconds: 15,
    openLoopSeconds: 20,
    fanoutEvents: 200,
    fanoutRate: 40,
    // 800 samples per level: a p99 from the 320 of an 8 s phase moved by 2× between runs.
    fanoutRateSeconds: 20,
    fanoutProbes: 10,
    isolationSeconds: 20,
    isolationEndpoints: 20,
  },
};

export type BenchContext = {
  mode: "quick" | "full";
  sizes: Sizes;
  stack: HooklineStack;
  database: BenchDatabase;
  client: HooklineClient;
  redisUrl: string;
  concurrency: number;
  /** Postgres connections of the API process (the Express baseline gets as many). */
  apiPoolSize: number;
  ledgers: Ledger[];
  cpu: CpuMeter;
  log(message: string): void;
  /** A tenant with `count` endpoints on the receiver, a ledger for them, and the producer's URL. */
  tenantWithEndpoints(
    scenario: string,
    count: number,
    options?: { hanging?: (index: number) => boolean; eventTypes?: (index: number) => string[] },
  ): Promise<{ tenant: Tenant; ledger: Ledger; endpointIds: string[]; eventsUrl: string }>;
  /** Moves the receiver's arrivals into the ledgers; returns how many belonged to none. */
  collectArrivals(): Promise<number>;
};

export function createContext(
  base: Omit<BenchContext, "ledgers" | "tenantWithEndpoints" | "collectArrivals">,
): BenchContext {
  const ledgers: Ledger[] = [];
  const context: BenchContext = {
    ...base,
    ledgers,
    async tenantWithEndpoints(scenario, count, options = {}) {
      const tenant = await base.client.createTenant(`bench ${scenario}`);
      const endpointByPath = new Map<string, string>();
      const endpointIds: string[] = [];
      for (let index = 0; index < count; index++) {
        const hanging = options.hanging?.(index) ?? false;
        const path = `/${hanging ? "hang" : "ok"}/${scenario}/${index}`;
        const origin = hanging ? base.stack.receiver.hangUrl : base.stack.receiver.url;
        const id = await base.client.createEndpoint(tenant.appId, origin + path, options.eventTypes?.(index));
        endpointByPath.set(path, id);
        endpointIds.push(id);
      }
      const ledger = new Ledger(scenario, [tenant.appId], endpointByPath);
      ledgers.push(ledger);
      return {
        tenant,
        ledger,
        endpointIds,
        eventsUrl: `${base.stack.apiUrl}/v1/applications/${tenant.appId}/events`,
      };
    },
    async collectArrivals() {
      return routeArrivals(await base.stack.receiver.drain(), ledgers);
    },
  };
  return context;
}

/** An event payload of a realistic size (~300 bytes of JSON). */
export function samplePayload(sequence: number) {
  return {
    sequence,
    order: { id: `ord_${sequence.toString(36).padStart(8, "0")}`, total: 4_250, currency: "EUR" },
    customer: { id: "cus_8f2a9c1e", email: "someone@example.com", country: "FR" },
    lines: [
      { sku: "SKU-1042", quantity: 2, price: 1_500 },
      { sku: "SKU-2208", quantity: 1, price: 1_250 },
    ],
    note: "bench payload",
  };
}
