// The live tail of one application on one API instance: a single reader of the event log that
// fans what it reads out to every local connection of that application. Woken by the pub/sub
// message ingest sends after each commit (wake-ups coalesce: one read covers many), and polling on
// a timer while it has listeners, because a lost message or a transaction that holds the horizon
// back must only delay a stream, never stall it.
import type { Logger } from "@hookline/core";
import { type Database, readStream, type StreamPosition } from "@hookline/db";
import { belowHorizon, isAfter } from "./cursor.js";
import { RecentEvents } from "./recent-events.js";
import { StreamEvent } from "./stream-event.js";

/** A local connection: receives every event of the application, in stream order, once. */
export type TailListener = { deliver(events: readonly StreamEvent[]): void };

export type TailerOptions = {
  db: Database;
  logger: Logger;
  pollIntervalMs: number;
  /** How many bytes of events reach the connections' buffers at once. Between two slices the
   * tailer yields to the event loop, so sockets that keep up take each slice before the next:
   * it must stay well under the buffer size, or a burst alone would overflow readers that keep up. */
  sliceBytes: number;
  /** How many bytes of the latest events stay in memory for resuming connections. */
  recentBytes: number;
};

/** Rows per read, and about how many bytes a read may hold. */
const MAX_PAGE_ROWS = 1000;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

/** First re-read after events were seen waiting behind the horizon; doubles up to the longest. */
const HELD_BACK_RETRY_MS = 2;
const HELD_BACK_RETRY_MAX_MS = 50;

export class ApplicationTailer {
  readonly applicationId: string;
  readonly #options: TailerOptions;
  readonly #listeners = new Set<TailListener>();
  /** What was read and handed out lately, and up to where. Unset until the first listener joins. */
  #recent: RecentEvents | undefined;
  #reading = false;
  #again = false;
  #stopped = false;
  #poll: NodeJS.Timeout;
  #retry: NodeJS.Timeout | undefined;
  #retryDelay = HELD_BACK_RETRY_MS;
  #lastError = 0;
  #averageEventBytes = 1024;

  constructor(applicationId: string, options: TailerOptions) {
    this.applicationId = applicationId;
    this.#options = options;
    this.#poll = setInterval(() => this.wake(), options.pollIntervalMs);
    this.#poll.unref();
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /**
   * Adds a listener that has everything up to `from`. It is handed every event the tailer reads
   * from now on; what the tailer handed out before, after `from`, is returned (from memory), or
   * undefined when that is no longer all in memory and the listener must read it from the log. A
   * tailer's first listener sets where it starts reading.
   */
  add(listener: TailListener, from: StreamPosition): StreamEvent[] | undefined {
    this.#recent ??= new RecentEvents(from, this.#options.recentBytes);
    this.#listeners.add(listener);
    return this.#recent.after(from);
  }

  /** Whether a listener that has everything up to `from` could join without reading the log. */
  covers(from: StreamPosition): boolean {
    return this.#recent?.after(from) !== undefined;
  }

  /** What this tailer has read and handed out: where a stream that starts at the live tail begins. */
  get through(): StreamPosition | undefined {
    return this.#recent?.through;
  }

  /** Whether `position` lies between the oldest event this tailer still holds and what it has read:
   * a cursor it handed out lately, so neither expired nor ahead of the log. */
  holds(position: StreamPosition): boolean {
    const recent = this.#recent;
    return recent !== undefined && this.covers(position) && !isAfter(position, recent.through);
  }

  remove(listener: TailListener): void {
    this.#listeners.delete(listener);
  }

  /** Reads what is new now, or right after the read in progress. */
  wake(): void {
    if (this.#stopped) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    void this.#read();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#poll);
    clearTimeout(this.#retry);
  }

  async #read(): Promise<void> {
    this.#reading = true;
    try {
      do {
        this.#again = false;
        const recent = this.#recent;
        if (recent === undefined) return;
        const page = await readStream(this.#options.db, {
          applicationId: this.applicationId,
          after: recent.through,
          limit: Math.min(MAX_PAGE_ROWS, Math.max(1, Math.floor(MAX_PAGE_BYTES / this.#averageEventBytes))),
        });
        if (this.#stopped) return;
        await this.#fanOut(
          recent,
          page.rows.map((row) => new StreamEvent(row)),
        );
        if (this.#stopped) return;
        if (page.full) this.#again = true;
        else recent.advanceTo(belowHorizon(page.horizon));
        this.#retryHeldBack(page.heldBack);
      } while (this.#again && !this.#stopped);
    } catch (error) {
      // Postgres away: the poll timer tries again; one warning per poll interval is enough.
      if (Date.now() - this.#lastError > this.#options.pollIntervalMs) {
        this.#options.logger.warn(
          { err: error, applicationId: this.applicationId },
          "stream tail read failed; retrying",
        );
        this.#lastError = Date.now();
      }
    } finally {
      this.#reading = false;
    }
  }

  /** Hands events to every listener, a slice at a time. It never waits for any one reader: a slow
   * one's policy acts on its own buffer while the others go on. Each slice is recorded as handed
   * out before it goes, so a listener that joins between two slices gets the first from memory
   * and the second live. */
  async #fanOut(recent: RecentEvents, events: readonly StreamEvent[]): Promise<void> {
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as StreamEvent;
      bytes += event.json.length;
      this.#averageEventBytes = Math.max(
        64,
        Math.round(this.#averageEventBytes * 0.9 + event.json.length * 0.1),
      );
      if (bytes < this.#options.sliceBytes && i < events.length - 1) continue;
      const slice = events.slice(start, i + 1);
      recent.append(slice);
      // Listeners may leave while being handed events (a slow consumer cut off): a Set tolerates that.
      for (const listener of this.#listeners) listener.deliver(slice);
      start = i + 1;
      bytes = 0;
      if (i < events.length - 1) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.#stopped) return;
      }
    }
  }

  /** Committed events wait behind a transaction that is still running (often not even Hookline's):
   * look again soon, backing off, rather than waiting for the next poll. */
  #retryHeldBack(heldBack: boolean): void {
    if (!heldBack) {
      this.#retryDelay = HELD_BACK_RETRY_MS;
      return;
    }
    if (this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.wake();
    }, this.#retryDelay);
    this.#retry.unref();
    this.#retryDelay = Math.min(this.#retryDelay * 2, HELD_BACK_RETRY_MAX_MS, this.#options.pollIntervalMs);
  }
}
