// The bounded outbound buffer of one stream connection, and what happens when a reader is slower
// than the stream: `disconnect` (the client resumes by cursor, nothing is lost), `drop-oldest`
// (skip the oldest pending events) or `latest` (keep the newest pending event per event type).
// Either of the last two tells the client with a gap message before the events that follow.
// The bound counts what waits here and what the socket has not taken yet, so a reader that stops
// reading holds at most `limitBytes` of this process, and pushing to it never waits.
import type { StreamPosition } from "@hookline/db";
import { formatCursor, isAfter } from "./cursor.js";
import type { Frame, StreamEvent, TransportKind } from "./stream-event.js";

export const SLOW_CONSUMER_POLICIES = ["disconnect", "drop-oldest", "latest"] as const;
export type SlowConsumerPolicy = (typeof SLOW_CONSUMER_POLICIES)[number];

/** Events a client will not get: skipped by its slow-consumer policy, or past retention. */
export type Gap = {
  reason: "slow-consumer" | "retention";
  /** The last event the client got before the gap (or the cursor it resumed from). */
  after: string | null;
  /** The last skipped position: resuming from here continues past the gap. */
  through: string;
  /** How many events were skipped, when known. */
  skipped: number | null;
};

export type FrameSink = {
  kind: TransportKind;
  gapFrame(gap: Gap): Frame;
  /** Hands frames to the socket; `flushed` runs once they have left this process. */
  write(frames: readonly Frame[], flushed: () => void): void;
};

export type OutboundOptions = {
  limitBytes: number;
  policy: SlowConsumerPolicy;
  /** The cursor the stream starts after, named by a first gap. */
  startCursor?: string | null;
};

type Item = { frame: Frame; event: StreamEvent | undefined; removed: boolean };

/** At most how many bytes a connection hands its socket per turn of the event loop. */
export function flushBytesFor(limitBytes: number): number {
  return Math.floor(limitBytes / 4);
}

/** The outcome of offering an event: `overflow` means the `disconnect` policy wants the stream closed. */
export type Offer = "queued" | "skipped" | "overflow";

export class OutboundBuffer {
  readonly #sink: FrameSink;
  readonly #limit: number;
  readonly #policy: SlowConsumerPolicy;
  /** Bytes handed to the socket per flush: small enough that the buffer, not the socket, holds the
   * backlog of a slow reader (where the policy can act on it), large enough that a reader that keeps
   * up takes each of the tailer's slices in one turn. */
  readonly #flushBytes: number;
  #items: Item[] = [];
  #head = 0;
  #queuedBytes = 0;
  #inFlightBytes = 0;
  #latestByType = new Map<string, Item>();
  #gap: (Gap & { throughPosition: StreamPosition }) | undefined;
  #lastCursor: string | null;
  #flushScheduled = false;
  #closed = false;
  #waiters: { bytes: number; resolve: () => void }[] = [];
  /** Events this connection was told it skipped (slow-consumer gaps). */
  skippedEvents = 0;
  /** Events handed to the socket. */
  sentEvents = 0;

  constructor(sink: FrameSink, options: OutboundOptions) {
    this.#sink = sink;
    this.#limit = options.limitBytes;
    this.#policy = options.policy;
    this.#flushBytes = flushBytesFor(options.limitBytes);
    this.#lastCursor = options.startCursor ?? null;
  }

  get bufferedBytes(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  /** What the buffer holds, for logs. */
  get usage(): { queuedBytes: number; inFlightBytes: number; sentEvents: number; skippedEvents: number } {
    return {
      queuedBytes: this.#queuedBytes,
      inFlightBytes: this.#inFlightBytes,
      sentEvents: this.sentEvents,
      skippedEvents: this.skippedEvents,
    };
  }

  /** Nothing waits and nothing is in flight. */
  get idle(): boolean {
    return this.bufferedBytes === 0 && this.#head === this.#items.length;
  }

  /** A live event: queued, or handled by the policy when the buffer is full. */
  offer(event: StreamEvent): Offer {
    if (this.#closed) return "skipped";
    const frame = event.frame(this.#sink.kind);
    if (this.#fits(frame.bytes)) {
      this.#push(frame, event);
      return "queued";
    }
    switch (this.#policy) {
      case "disconnect":
        return "overflow";
      case "latest": {
        const older = this.#latestByType.get(event.type);
        if (older) this.#skip(older);
        return this.#makeRoomFor(frame, event);
      }
      case "drop-oldest":
        return this.#makeRoomFor(frame, event);
    }
  }

  /** A replayed event: the replay waits for room (`whenBelow`) instead of applying the policy. */
  push(event: StreamEvent): void {
    if (!this.#closed) this.#push(event.frame(this.#sink.kind), event);
  }

  /** A control message (ready, gap, ping, goodbye), outside the bound: they are small and rare. */
  pushControl(frame: Frame): void {
    if (!this.#closed) this.#push(frame, undefined);
  }

  /** Resolves once at most `bytes` are buffered (or the buffer is closed). */
  whenBelow(bytes: number): Promise<void> {
    if (this.#closed || this.bufferedBytes <= bytes) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ bytes, resolve }));
  }

  /** Drops everything pending; later offers are ignored. */
  close(): void {
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#latestByType.clear();
    this.#wakeWaiters();
  }

  #fits(bytes: number): boolean {
    // An empty buffer always takes one event, however large, so an event bigger than the bound
    // cannot stall a stream for ever.
    return this.bufferedBytes === 0 || this.bufferedBytes + bytes <= this.#limit;
  }

  #push(frame: Frame, event: StreamEvent | undefined): void {
    const item: Item = { frame, event, removed: false };
    this.#items.push(item);
    this.#queuedBytes += frame.bytes;
    if (event && this.#policy === "latest") this.#latestByType.set(event.type, item);
    this.#scheduleFlush();
  }

  /** Skips the oldest pending events until `frame` fits; if nothing left can go, skips `event`. */
  #makeRoomFor(frame: Frame, event: StreamEvent): Offer {
    for (let i = this.#head; i < this.#items.length && !this.#fits(frame.bytes); i++) {
      const item = this.#items[i] as Item;
      if (item.event && !item.removed) this.#skip(item);
    }
    if (!this.#fits(frame.bytes)) {
      this.#recordSkip(event.position, event.cursor);
      return "skipped";
    }
    this.#push(frame, event);
    return "queued";
  }

  #skip(item: Item): void {
    const event = item.event as StreamEvent;
    item.removed = true;
    this.#queuedBytes -= item.frame.bytes;
    if (this.#latestByType.get(event.type) === item) this.#latestByType.delete(event.type);
    this.#recordSkip(event.position, event.cursor);
  }

  #recordSkip(position: StreamPosition, cursor: string): void {
    this.skippedEvents++;
    if (!this.#gap) {
      this.#gap = {
        reason: "slow-consumer",
        after: this.#lastCursor,
        through: cursor,
        throughPosition: position,
        skipped: 1,
      };
      return;
    }
    this.#gap.skipped = (this.#gap.skipped ?? 0) + 1;
    if (isAfter(position, this.#gap.throughPosition)) {
      this.#gap.throughPosition = position;
      this.#gap.through = formatCursor(position);
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    // Deferred so that a whole page fanned out in one tick leaves in one write.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#closed || this.#inFlightBytes >= this.#flushBytes) return;
    const frames: Frame[] = [];
    let bytes = 0;
    while (this.#head < this.#items.length && this.#inFlightBytes + bytes < this.#flushBytes) {
      const item = this.#items[this.#head++] as Item;
      if (item.removed) continue;
      this.#queuedBytes -= item.frame.bytes;
      if (item.event) {
        if (this.#latestByType.get(item.event.type) === item) this.#latestByType.delete(item.event.type);
        // A gap goes out just before the first event that follows what it skipped.
        bytes += this.#takeGap(frames);
        this.#lastCursor = item.event.cursor;
        this.sentEvents++;
      }
      frames.push(item.frame);
      bytes += item.frame.bytes;
    }
    // Everything pending went out: say what was skipped now rather than with some later event.
    if (this.#head === this.#items.length) bytes += this.#takeGap(frames);
    this.#compact();
    if (frames.length === 0) return;
    this.#inFlightBytes += bytes;
    this.#sink.write(frames, () => {
      this.#inFlightBytes -= bytes;
      this.#wakeWaiters();
      if (this.#head < this.#items.length || this.#gap) this.#scheduleFlush();
    });
  }

  #takeGap(frames: Frame[]): number {
    if (!this.#gap) return 0;
    const { throughPosition: _, ...gap } = this.#gap;
    this.#gap = undefined;
    const frame = this.#sink.gapFrame(gap);
    frames.push(frame);
    return frame.bytes;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  #wakeWaiters(): void {
    if (this.#waiters.length === 0) return;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (this.#closed || this.bufferedBytes <= waiter.bytes) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }
}
