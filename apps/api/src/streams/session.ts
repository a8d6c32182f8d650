// One stream connection, whatever its transport: replay from the client's position, then the live
// tail, with no gap and no repeat at the hand-over.
//
// The hand-over: replay from Postgres until a read comes back short (it reached the horizon), then
// join the application's tailer, which from then on hands over every event it reads; those wait
// aside while the connection catches up with what the tailer handed out before it joined. That
// comes from the tailer's memory of recent events when it still holds everything after the
// connection's position (the usual case, and the only one near the head, so a reconnect storm
// costs no Postgres reads), else from one more replay pass, which started after joining and so
// reaches at least as far as the tailer had read. Either way the two cover every position, and
// what the tailer hands over at or before where the catch-up stopped is dropped. What waits aside
// is bounded: past the buffer size the connection leaves the tailer and catches up again.
import type { Logger } from "@hookline/core";
import { type Database, readStream, type StreamPosition } from "@hookline/db";
import { belowHorizon, formatCursor, isAfter, laterOf } from "./cursor.js";
import { OutboundBuffer, type SlowConsumerPolicy } from "./outbound-buffer.js";
import type { ReadGate } from "./read-gate.js";
import { StreamEvent } from "./stream-event.js";
import type { ResolvedStart } from "./stream-start.js";
import type { TailListener } from "./tailer.js";
import { type CloseReason, GOODBYE_GRACE_MS, type StreamTransport } from "./transport.js";

/** The application's live tail on this instance (the hub). */
export type LiveTail = {
  /** Whether joining at `from` would find everything after it in the tailer's memory. */
  covers(applicationId: string, from: StreamPosition): boolean;
  /** Joins; returns what the tailer handed out after `from` before, or undefined when that is not
   * all in memory any more. */
  attach(applicationId: string, listener: TailListener, from: StreamPosition): StreamEvent[] | undefined;
  detach(applicationId: string, listener: TailListener): void;
};

export type SessionOptions = {
  db: Database;
  /** Where catch-up reads of the log queue (shared by the instance's streams). */
  reads: ReadGate;
  logger: Logger;
  tail: LiveTail;
  applicationId: string;
  start: ResolvedStart;
  /** Only these event types; undefined means all. */
  eventTypes: ReadonlySet<string> | undefined;
  policy: SlowConsumerPolicy;
  bufferBytes: number;
  transport: StreamTransport;
  /** When the stream token this stream was opened with expires. */
  tokenExpiresAt: Date | undefined;
};

type State = "replaying" | "joining" | "live" | "closed";

const MIN_PAGE = 16;
const MAX_PAGE = 1000;

export class StreamSession implements TailListener {
  readonly outbound: OutboundBuffer;
  readonly #options: SessionOptions;
  readonly #types: ReadonlySet<string> | undefined;
  #state: State = "replaying";
  /** Every position up to here has been sent or filtered out. */
  #through: StreamPosition;
  /** While joining: what the tailer handed out before we joined, still to send (undefined: read it
   * from the log instead), and the live events handed over meanwhile. */
  #backlog: StreamEvent[] | undefined;
  #pending: StreamEvent[] = [];
  #pendingBytes = 0;
  /** Live events may still repeat what the replay sent, until the first one past it. */
  #dedupe = true;
  #averageFrameBytes = 1024;
  #timers: NodeJS.Timeout[] = [];
  #closeReason: CloseReason | undefined;
  readonly #closed: Promise<CloseReason>;
  #resolveClosed: (reason: CloseReason) => void = () => {};

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#types = options.eventTypes;
    this.#through = options.start.through;
    this.outbound = new OutboundBuffer(options.transport, {
      limitBytes: options.bufferBytes,
      policy: options.policy,
      startCursor: formatCursor(options.start.through),
    });
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    options.transport.onGone(() => this.close("client-gone"));
  }

  get state(): State {
    return this.#state;
  }

  /** Starts the stream; resolves with the reason once the connection is gone. */
  run(): Promise<CloseReason> {
    const { transport, start, tokenExpiresAt } = this.#options;
    this.outbound.pushControl(transport.readyFrame(formatCursor(start.through)));
    if (start.gap) this.outbound.pushControl(transport.gapFrame(start.gap));
    const keepAlive = setInterval(() => {
      const ping = transport.keepAlive();
      if (ping && this.outbound.idle) this.outbound.pushControl(ping);
    }, transport.keepAliveMs);
    this.#timers.push(keepAlive);
    if (tokenExpiresAt) this.#expireAt(tokenExpiresAt);
    this.#catchUp().catch((error: unknown) => {
      this.#options.logger.warn({ err: error, applicationId: this.#options.applicationId }, "stream failed");
      this.close("error");
    });
    return this.#closed;
  }

  /** From the tailer: events in stream order, each handed over once. */
  deliver(events: readonly StreamEvent[]): void {
    if (this.#state === "joining") {
      for (const event of events) {
        if (!this.#wants(event)) continue;
        this.#pending.push(event);
        this.#pendingBytes += event.frame(this.#options.transport.kind).bytes;
      }
      if (this.#pendingBytes > this.#options.bufferBytes) this.#leaveTail();
      return;
    }
    if (this.#state !== "live") return;
    for (const event of events) {
      if (this.#dedupe) {
        if (!isAfter(event.position, this.#through)) continue;
        this.#dedupe = false;
      }
      if (this.#wants(event) && this.outbound.offer(event) === "overflow") {
        this.close("slow-consumer");
        return;
      }
    }
  }

  /** Ends the stream: a goodbye behind what is queued, then the connection closes. */
  close(reason: CloseReason): void {
    if (this.#closeReason) return;
    this.#closeReason = reason;
    const wasAttached = this.#state === "joining" || this.#state === "live";
    this.#state = "closed";
    if (wasAttached) this.#options.tail.detach(this.#options.applicationId, this);
    for (const timer of this.#timers) clearTimeout(timer);
    const { transport } = this.#options;
    transport.onGone(() => this.#resolveClosed(reason));
    if (reason === "client-gone") {
      this.outbound.close();
      this.#resolveClosed(reason);
      return;
    }
    const goodbye = transport.goodbyeFrame(reason);
    if (reason === "slow-consumer") {
      this.#options.logger.debug(
        { applicationId: this.#options.applicationId, ...this.outbound.usage },
        "stream reader too slow: disconnected",
      );
      // Its buffer is full by definition and it resumes by cursor: drop what waits, say why, go.
      this.outbound.close();
      if (goodbye) transport.write([goodbye], () => {});
      transport.end(reason);
      return;
    }
    if (goodbye) this.outbound.pushControl(goodbye);
    const drained = this.outbound.whenBelow(0);
    const timeout = new Promise((resolve) => setTimeout(resolve, GOODBYE_GRACE_MS).unref());
    void Promise.race([drained, timeout]).then(() => {
      this.outbound.close();
      transport.end(reason);
    });
  }

  async #catchUp(): Promise<void> {
    const { db, tail, applicationId, bufferBytes } = this.#options;
    const eventTypes = this.#types ? [...this.#types] : undefined;
    // A live start is already at the head: join at once. Where the tailer (perhaps started by
    // another connection meanwhile) does not reach back to it, the second pass covers the rest.
    if (this.#options.start.atHead) this.#join();
    while (this.#state === "replaying" || this.#state === "joining") {
      if (this.#state === "replaying" && tail.covers(applicationId, this.#through)) {
        this.#join();
        continue;
      }
      if (this.#state === "joining" && this.#backlog) {
        if (await this.#sendBacklog(this.#backlog)) this.#goLive();
        continue;
      }
      const room = Math.max(0, bufferBytes - this.outbound.bufferedBytes);
      const limit = Math.min(MAX_PAGE, Math.max(MIN_PAGE, Math.floor(room / this.#averageFrameBytes)));
      const after = this.#through;
      const replaying = this.#state === "replaying";
      const page = await this.#options.reads.run(async () =>
        // The tailer may have caught up with us while we queued: then memory serves, not the log.
        replaying && tail.covers(applicationId, after)
          ? undefined
          : readStream(db, { applicationId, after, limit, eventTypes }),
      );
      if (this.#closeReason) return;
      if (!page) continue;
      this.#replay(page.rows.map((row) => new StreamEvent(row)));
      if (page.full) {
        await this.outbound.whenBelow(bufferBytes / 2);
        continue;
      }
      this.#through = laterOf(this.#through, belowHorizon(page.horizon));
      if (this.#state === "replaying") this.#join();
      else this.#goLive();
    }
  }

  #join(): void {
    this.#state = "joining";
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#backlog = this.#options.tail.attach(this.#options.applicationId, this, this.#through);
  }

  /** Sends what the tailer handed out before we joined, pacing on the buffer; false when the
   * connection left the tailer (or closed) meanwhile. */
  async #sendBacklog(backlog: readonly StreamEvent[]): Promise<boolean> {
    const halfBuffer = this.#options.bufferBytes / 2;
    for (const event of backlog) {
      if (this.outbound.bufferedBytes > halfBuffer) await this.outbound.whenBelow(halfBuffer);
      if (this.#state !== "joining" || this.#backlog !== backlog) return false;
      if (!isAfter(event.position, this.#through)) continue;
      if (this.#wants(event)) this.outbound.push(event);
      this.#through = event.position;
    }
    return true;
  }

  #replay(events: readonly StreamEvent[]): void {
    for (const event of events) {
      this.outbound.push(event);
      this.#through = event.position;
      const bytes = event.frame(this.#options.transport.kind).bytes;
      this.#averageFrameBytes = Math.max(64, Math.round(this.#averageFrameBytes * 0.8 + bytes * 0.2));
    }
  }

  #goLive(): void {
    const pending = this.#pending;
    this.#backlog = undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#state = "live";
    this.#dedupe = true;
    this.deliver(pending);
  }

  /** Too much arrived live while the replay ran: leave it to the log and catch up from there. */
  #leaveTail(): void {
    this.#options.tail.detach(this.#options.applicationId, this);
    this.#backlog = undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#state = "replaying";
  }

  #expireAt(at: Date): void {
    const left = at.getTime() - Date.now();
    if (left <= 0) {
      this.close("token-expired");
      return;
    }
    // Timers hold at most ~24.8 days; a longer wait is taken in steps.
    this.#timers.push(setTimeout(() => this.#expireAt(at), Math.min(left, 2 ** 31 - 1)));
  }

  #wants(event: StreamEvent): boolean {
    return this.#types === undefined || this.#types.has(event.type);
  }
}
