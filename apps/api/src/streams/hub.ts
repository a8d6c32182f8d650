// Every stream this API instance serves: one tailer per application that has local readers, woken
// through the deployment's pub/sub channel; the open connections per key; a clean end on shutdown.
// Any instance serves any stream: all an instance needs is Postgres and the channel.
import type { Logger } from "@hookline/core";
import type { Database, StreamPosition } from "@hookline/db";
import type { Redis } from "ioredis";
import type { StreamStart } from "./cursor.js";
import { flushBytesFor } from "./outbound-buffer.js";
import { ReadGate } from "./read-gate.js";
import type { LiveTail, StreamSession } from "./session.js";
import type { StreamEvent } from "./stream-event.js";
import type { ResolvedStart } from "./stream-start.js";
import { ApplicationTailer, type TailListener } from "./tailer.js";
import { type CloseReason, GOODBYE_GRACE_MS } from "./transport.js";

export type StreamHubOptions = {
  db: Database;
  logger: Logger;
  /** A connection of its own: a subscribed Redis client can do nothing else. */
  subscriber: Redis;
  channel: string;
  pollIntervalMs: number;
  maxConnectionsPerKey: number;
  /** Each connection's outbound buffer: a tailer's reads are sized against it. */
  bufferBytes: number;
};

export type Admission =
  | { kind: "admitted"; release: () => void }
  | { kind: "too-many"; limit: number }
  | { kind: "closing" };

/** Catch-up reads (replays, start checks) of all streams of an instance that run at once. */
const CONCURRENT_CATCH_UP_READS = 4;

export class StreamHub implements LiveTail {
  /** The queue for catch-up reads of Postgres. */
  readonly reads = new ReadGate(CONCURRENT_CATCH_UP_READS);
  readonly #options: StreamHubOptions;
  readonly #tailers = new Map<string, ApplicationTailer>();
  readonly #sessions = new Map<StreamSession, Promise<CloseReason>>();
  readonly #connectionsByKey = new Map<string, number>();
  #closing = false;
  readonly #onMessage = (channel: string, applicationId: string) => {
    if (channel === this.#options.channel) this.#tailers.get(applicationId)?.wake();
  };

  constructor(options: StreamHubOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#options.subscriber.on("message", this.#onMessage);
    await this.#options.subscriber.subscribe(this.#options.channel);
  }

  /** Counts a new connection against its key's limit; `release` when it ends. */
  admit(keyId: string): Admission {
    if (this.#closing) return { kind: "closing" };
    const open = this.#connectionsByKey.get(keyId) ?? 0;
    const limit = this.#options.maxConnectionsPerKey;
    if (open >= limit) return { kind: "too-many", limit };
    this.#connectionsByKey.set(keyId, open + 1);
    let released = false;
    return {
      kind: "admitted",
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#connectionsByKey.get(keyId) ?? 1) - 1;
        if (left <= 0) this.#connectionsByKey.delete(keyId);
        else this.#connectionsByKey.set(keyId, left);
      },
    };
  }

  /** Runs a session until it closes. */
  serve(session: StreamSession): Promise<CloseReason> {
    const closed = session.run().finally(() => this.#sessions.delete(session));
    this.#sessions.set(session, closed);
    return closed;
  }

  /**
   * Where a stream starts, when this instance already knows without asking Postgres: the live tail
   * of an application it streams, or a cursor its tailer handed out lately (so neither expired nor
   * from the future). Undefined otherwise: then the log decides (`resolveStart`).
   */
  startFromMemory(applicationId: string, start: StreamStart): ResolvedStart | undefined {
    const tailer = this.#tailers.get(applicationId);
    const through = tailer?.through;
    if (!tailer || !through) return undefined;
    if (start.kind === "live") return { through, gap: undefined, atHead: true };
    if (start.kind === "after" && tailer.holds(start.position))
      return { through: start.position, gap: undefined, atHead: true };
    return undefined;
  }

  covers(applicationId: string, from: StreamPosition): boolean {
    return this.#tailers.get(applicationId)?.covers(from) ?? false;
  }

  attach(applicationId: string, listener: TailListener, from: StreamPosition): StreamEvent[] | undefined {
    let tailer = this.#tailers.get(applicationId);
    if (!tailer) {
      tailer = new ApplicationTailer(applicationId, {
        db: this.#options.db,
        logger: this.#options.logger,
        pollIntervalMs: this.#options.pollIntervalMs,
        // Well under what a connection flushes per turn, so readers that keep up never fall behind
        // on a burst: only a reader whose socket stops taking data accumulates a backlog.
        sliceBytes: Math.floor(flushBytesFor(this.#options.bufferBytes) / 4),
        // Enough for every connection to resume from memory after a cut of a few buffers' worth.
        recentBytes: this.#options.bufferBytes * 4,
      });
      this.#tailers.set(applicationId, tailer);
    }
    const backlog = tailer.add(listener, from);
    // What committed between the joiner's last read and now has no announcement left to wake us.
    tailer.wake();
    return backlog;
  }

  detach(applicationId: string, listener: TailListener): void {
    const tailer = this.#tailers.get(applicationId);
    if (!tailer) return;
    tailer.remove(listener);
    if (tailer.listenerCount === 0) {
      tailer.stop();
      this.#tailers.delete(applicationId);
    }
  }

  get stats(): { sessions: number; tailers: number } {
    return { sessions: this.#sessions.size, tailers: this.#tailers.size };
  }

  /** Ends every stream with a jittered reconnect hint, so clients spread over the other instances. */
  async close(): Promise<void> {
    this.#closing = true;
    const closing = [...this.#sessions.entries()].map(([session, closed]) => {
      session.close("shutdown");
      return closed;
    });
    await Promise.race([
      Promise.allSettled(closing),
      new Promise((resolve) => setTimeout(resolve, GOODBYE_GRACE_MS * 3).unref()),
    ]);
    for (const tailer of this.#tailers.values()) tailer.stop();
    this.#tailers.clear();
    this.#options.subscriber.off("message", this.#onMessage);
    this.#options.subscriber.disconnect();
  }
}
