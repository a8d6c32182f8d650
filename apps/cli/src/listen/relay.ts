// `listen` in one place: the application's stream in, each event signed and POSTed to the local
// server in the order received, one at a time, and a report of everything that happens.
import { streamUrl } from "@hookline/sdk";
import { forward } from "./forwarder.js";
import { openStreamConnection } from "./stream-connection.js";
import { parseStreamEvent, type StreamEvent, signedRequestFor } from "./stream-event.js";

export type RelayReport =
  | { kind: "connected"; resumedAfter: string | undefined; first: boolean }
  | { kind: "disconnected"; reason: string }
  | {
      kind: "forwarded";
      cursor: string | undefined;
      eventId: string;
      type: string;
      status: number;
      durationMs: number;
      body: string;
    }
  | {
      kind: "forward-failed";
      cursor: string | undefined;
      eventId: string;
      type: string;
      status: number | undefined;
      durationMs: number;
      error: string;
    }
  | { kind: "skipped"; cursor: string | undefined; reason: string }
  | { kind: "control"; name: string; data: string }
  | { kind: "fatal"; reason: string; status: number | undefined };

export interface RelayOptions {
  baseUrl: string;
  apiKey: string;
  appId: string;
  forwardTo: string;
  /** Signs what is forwarded, so the local server verifies it like a real delivery. */
  secret: string;
  eventTypes?: string[];
  from?: string;
  /** Per forwarded request. Default 15 s, like real deliveries. */
  forwardTimeoutMs?: number;
  /** See StreamConnectionOptions. Defaults: 45 s (three missed pings), 2 s. */
  silenceTimeoutMs?: number;
  reopenDelayMs?: number;
  report(report: RelayReport): void;
  now?: () => Date;
}

export interface Relay {
  /** Resolves when the relay ends: `stopped` by `stop()`, `failed` when the server refused for good. */
  finished: Promise<"stopped" | "failed">;
  /** Closes the stream and waits for the forward in progress. */
  stop(): Promise<void>;
}

export function startRelay(options: RelayOptions): Relay {
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.forwardTimeoutMs ?? 15_000;
  let queue: Promise<void> = Promise.resolve();
  let connections = 0;
  let end: (how: "stopped" | "failed") => void = () => {};
  const finished = new Promise<"stopped" | "failed">((resolve) => {
    end = resolve;
  });

  async function relayOne(cursor: string | undefined, event: StreamEvent) {
    const result = await forward(
      options.forwardTo,
      signedRequestFor(event, { secret: options.secret, now: now() }),
      { timeoutMs },
    );
    const about = { cursor, eventId: event.id, type: event.type, durationMs: result.durationMs };
    if (result.status !== undefined) {
      options.report(
        result.ok
          ? { kind: "forwarded", ...about, status: result.status, body: result.body }
          : { kind: "forward-failed", ...about, status: result.status, error: result.body },
      );
    } else {
      options.report({ kind: "forward-failed", ...about, status: undefined, error: result.error });
    }
  }

  const connection = openStreamConnection({
    url: streamUrl(
      options.baseUrl,
      options.appId,
      options.eventTypes?.length ? { eventTypes: options.eventTypes.join(",") } : {},
    ),
    apiKey: options.apiKey,
    ...(options.from !== undefined ? { from: options.from } : {}),
    silenceTimeoutMs: options.silenceTimeoutMs ?? 45_000,
    reopenDelayMs: options.reopenDelayMs ?? 2_000,
    handlers: {
      open(resumedAfter) {
        options.report({ kind: "connected", resumedAfter, first: ++connections === 1 });
      },
      event(cursor, data) {
        const event = parseStreamEvent(data);
        if ("error" in event) {
          options.report({ kind: "skipped", cursor, reason: event.error });
          return;
        }
        queue = queue
          .then(() => relayOne(cursor, event))
          .catch((error: unknown) => options.report({ kind: "skipped", cursor, reason: String(error) }));
      },
      control(name, data) {
        options.report({ kind: "control", name, data });
      },
      lost(reason) {
        options.report({ kind: "disconnected", reason });
      },
      fatal(reason, status) {
        options.report({ kind: "fatal", reason, status });
        connection.close();
        void queue.then(() => end("failed"));
      },
    },
  });

  return {
    finished,
    async stop() {
      connection.close();
      await queue;
      end("stopped");
    },
  };
}
