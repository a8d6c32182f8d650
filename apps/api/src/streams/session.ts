// One stream connection, whatever its transport: replay from the client's position, then the live
// tail, with no gap and no repeat at the hand-over.
//
// The hand-over: replay from Postgres until a read comes back short (it reached the horizon), then
// join the application's tailer and keep what it hands over aside, then replay once more. That
// last pass started after joining, so its horizon is at or past everything the tailer had read
// when we joined: together they cover every position, and what the tailer hands over at or before
// where the replay stopped is dropped. A backlog that arrives meanwhile is bounded: past the buffer
// size the connection leaves the tailer and replays on.
import type { Logger } from "@hookline/core";
import { type Database, readStream, type StreamPosition } from "@hookline/db";
import { belowHorizon, formatCursor, isAfter, laterOf } from "./cursor.js";
import { OutboundBuffer, type SlowConsumerPolicy } from "./outbound-buffer.js";
import { StreamEvent } from "./stream-event.js";
import type { ResolvedStart } from "./stream-start.js";
import type { TailListener } from "./tailer.js";
import { type CloseReason, GOODBYE_GRACE_MS, type StreamTransport } from "./transport.js";

/** The application's live tail on this instance (the hub). */
export type LiveTail = {
  attach(applicationId: string, listener: TailListener, from: StreamPosition): void;
  detach(applicationId: string, listener: TailListener): void;
};

export type SessionOptions = {
  db: Database;
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
  /** Live events handed over while the last replay pass runs. */
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
    const { db, applicationId, bufferBytes } = this.#options;
    const eventTypes = this.#types ? [...this.#types] : undefined;
    while (this.#state === "replaying" || this.#state === "joining") {
      const room = Math.max(0, bufferBytes - this.outbound.bufferedBytes);
      const limit = Math.min(MAX_PAGE, Math.max(MIN_PAGE, Math.floor(room / this.#averageFrameBytes)));
      const page = await readStream(db, { applicationId, after: this.#through, limit, eventTypes });
      if (this.#closeReason) return;
      this.#replay(page.rows.map((row) => new StreamEvent(row)));
      if (page.full) {
        await this.outbound.whenBelow(bufferBytes / 2);
        continue;
      }
      this.#through = laterOf(this.#through, belowHorizon(page.horizon));
      if (this.#state === "replaying") {
        this.#state = "joining";
        this.#options.tail.attach(applicationId, this, this.#through);
        continue;
      }
      this.#goLive();
    }
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
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#state = "live";
    this.#dedupe = true;
    this.deliver(pending);
  }

  /** Too much arrived live while the replay ran: leave it to the log and catch up from there. */
  #leaveTail(): void {
    this.#options.tail.detach(this.#options.applicationId, this);
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
