// The bench's readers, in a process of their own so they do not share the coordinator's event loop:
// opens the streams it is told to over IPC, throttles the slow ones, reports counts on request.
import { Agent } from "node:http";
import { SseReader } from "./sse-reader.js";

export type OpenReaders = {
  type: "open";
  baseUrl: string;
  path: string;
  key: string;
  healthy: number;
  slow: number;
  /** Events per second a slow reader reads. */
  slowRate: number;
  /** How many healthy readers parse every event (latency, duplicates); slow ones always do. */
  probes: number;
};

export type ReaderCommand =
  | OpenReaders
  /** `total`: how many events were produced, to count what no reader got nor was told about. */
  | { type: "stats"; total?: number }
  | { type: "drain" }
  | { type: "close" };

export type GroupStats = {
  readers: number;
  ready: number;
  received: number;
  distinctPerReaderMin: number;
  accountedPerReaderMin: number;
  /** Events of `total` that a reader neither received nor was told it skipped, summed. */
  unaccounted: number;
  /** Readers that accounted for all of `total`. */
  complete: number;
  duplicates: number;
  toldSkipped: number;
  gaps: number;
  serverDisconnects: number;
  resumes: number;
  latencies: number[];
};

export type ReaderReport = { type: "stats"; healthy: GroupStats; slow: GroupStats; cpuMs: number };

const TICK_MS = 100;
const healthy: SseReader[] = [];
const slow: SseReader[] = [];
const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

const ticker = setInterval(() => {
  for (const reader of slow) reader.tick(TICK_MS);
}, TICK_MS);

function group(readers: SseReader[], withLatencies: boolean, total: number | undefined): GroupStats {
  const stats: GroupStats = {
    readers: readers.length,
    ready: 0,
    received: 0,
    distinctPerReaderMin: Number.POSITIVE_INFINITY,
    accountedPerReaderMin: Number.POSITIVE_INFINITY,
    unaccounted: 0,
    complete: 0,
    duplicates: 0,
    toldSkipped: 0,
    gaps: 0,
    serverDisconnects: 0,
    resumes: 0,
    latencies: [],
  };
  for (const reader of readers) {
    const { counts } = reader;
    if (counts.ready) stats.ready++;
    stats.received += counts.received;
    stats.distinctPerReaderMin = Math.min(stats.distinctPerReaderMin, counts.distinct || counts.received);
    stats.accountedPerReaderMin = Math.min(stats.accountedPerReaderMin, reader.accounted());
    if (total !== undefined) {
      stats.unaccounted += Math.max(0, total - reader.accounted());
      if (reader.accounted() >= total) stats.complete++;
    }
    stats.duplicates += counts.duplicates;
    stats.toldSkipped += counts.toldSkipped;
    stats.gaps += counts.gaps;
    stats.serverDisconnects += counts.serverDisconnects;
    stats.resumes += counts.resumes;
    if (withLatencies) {
      for (const latency of reader.latencies) stats.latencies.push(latency);
      reader.latencies.length = 0;
    }
  }
  if (readers.length === 0) {
    stats.distinctPerReaderMin = 0;
    stats.accountedPerReaderMin = 0;
  }
  return stats;
}

process.on("message", (command: ReaderCommand) => {
  switch (command.type) {
    case "open": {
      for (let i = 0; i < command.healthy + command.slow; i++) {
        const isSlow = i < command.slow;
        const reader = new SseReader({
          baseUrl: command.baseUrl,
          path: command.path,
          key: command.key,
          agent,
          probe: isSlow || i - command.slow < command.probes,
          eventsPerSecond: isSlow ? command.slowRate : undefined,
        });
        (isSlow ? slow : healthy).push(reader);
        reader.open();
      }
      return;
    }
    case "stats": {
      const usage = process.cpuUsage();
      const report: ReaderReport = {
        type: "stats",
        healthy: group(healthy, true, command.total),
        slow: group(slow, false, command.total),
        cpuMs: (usage.user + usage.system) / 1000,
      };
      process.send?.(report);
      return;
    }
    case "drain":
      for (const reader of slow) reader.unthrottle();
      return;
    case "close":
      clearInterval(ticker);
      for (const reader of [...healthy, ...slow]) reader.close();
      process.disconnect?.();
      setTimeout(() => process.exit(0), 100);
      return;
  }
});

process.send?.({ type: "started" });
