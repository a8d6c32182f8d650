// One bench reader of an SSE stream, as lean as a reader can be so that the API, not the readers,
// is what gets measured: frames are split by hand, and only probe readers parse every event's
// send time. A slow reader reads at a set rate (by pausing its socket); every reader resumes by
// itself with Last-Event-ID when the server ends its stream, as EventSource would.
import { type Agent, type ClientRequest, request } from "node:http";

export type ReaderOptions = {
  baseUrl: string;
  path: string;
  key: string;
  agent: Agent;
  /** Parse every event: latency samples and duplicate detection. */
  probe: boolean;
  /** Read at most this many events per second (a slow consumer). */
  eventsPerSecond?: number | undefined;
};

export type ReaderCounts = {
  /** Events received (all connections). */
  received: number;
  /** Distinct events (probe readers only; otherwise equal to received). */
  distinct: number;
  duplicates: number;
  /** Events the server said it skipped (gap messages). */
  toldSkipped: number;
  gaps: number;
  /** Streams the server ended (slow consumer, shutdown). */
  serverDisconnects: number;
  /** Reconnections with Last-Event-ID. */
  resumes: number;
  ready: boolean;
};

const EVENT_MARK = '"data":{"n": ';

export class SseReader {
  readonly counts: ReaderCounts = {
    received: 0,
    distinct: 0,
    duplicates: 0,
    toldSkipped: 0,
    gaps: 0,
    serverDisconnects: 0,
    resumes: 0,
    ready: false,
  };
  /** Milliseconds from the producer's send to this reader, per event (probe readers). */
  readonly latencies: number[] = [];
  readonly #options: ReaderOptions;
  #seen = new Uint8Array(1024);
  #cursor: string | undefined;
  #partial = "";
  #request: ClientRequest | undefined;
  #pauseSocket: (() => void) | undefined;
  #resumeSocket: (() => void) | undefined;
  #allowance = Number.POSITIVE_INFINITY;
  #throttled: boolean;
  #closed = false;

  constructor(options: ReaderOptions) {
    this.#options = options;
    this.#throttled = options.eventsPerSecond !== undefined;
  }

  open(): void {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#options.key}`,
      accept: "text/event-stream",
    };
    if (this.#cursor) headers["last-event-id"] = this.#cursor;
    const req = request(this.#options.baseUrl + this.#options.path, { headers, agent: this.#options.agent });
    this.#request = req;
    req.on("error", () => this.#reconnect());
    req.on("response", (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        this.#reconnect();
        return;
      }
      res.setEncoding("utf8");
      this.#pauseSocket = () => res.pause();
      this.#resumeSocket = () => res.resume();
      res.on("data", (chunk: string) => this.#onChunk(chunk));
      res.on("end", () => this.#reconnect());
      res.on("error", () => this.#reconnect());
      if (this.#throttled && this.#allowance <= 0) res.pause();
    });
    req.end();
  }

  /** Called every tick by the process: a slow reader's allowance for the next tick. */
  tick(tickMs: number): void {
    if (!this.#throttled || this.#options.eventsPerSecond === undefined) return;
    this.#allowance = (this.#options.eventsPerSecond * tickMs) / 1000;
    this.#resumeSocket?.();
  }

  /** From now on read as fast as possible (drain what is left). */
  unthrottle(): void {
    this.#throttled = false;
    this.#allowance = Number.POSITIVE_INFINITY;
    this.#resumeSocket?.();
  }

  /** Events received or said skipped, out of `total` produced. */
  accounted(): number {
    return (this.#options.probe ? this.counts.distinct : this.counts.received) + this.counts.toldSkipped;
  }

  close(): void {
    this.#closed = true;
    this.#request?.destroy();
  }

  #reconnect(): void {
    if (this.#closed) return;
    this.#request?.destroy();
    this.#request = undefined;
    this.#partial = "";
    this.counts.resumes++;
    setTimeout(() => this.open(), 50 + Math.random() * 100);
  }

  #onChunk(chunk: string): void {
    let text = this.#partial + chunk;
    let end = text.indexOf("\n\n");
    let start = 0;
    while (end >= 0) {
      this.#onFrame(text, start, end);
      start = end + 2;
      end = text.indexOf("\n\n", start);
    }
    text = text.slice(start);
    this.#partial = text;
    if (this.#throttled && this.#allowance <= 0) this.#pauseSocket?.();
  }

  #onFrame(text: string, start: number, end: number): void {
    if (text.startsWith("id: ", start)) {
      const newline = text.indexOf("\n", start);
      this.#cursor = text.slice(start + 4, newline);
      this.counts.received++;
      this.#allowance--;
      if (this.#options.probe) this.#probe(text, newline, end);
      return;
    }
    if (text.startsWith(":", start)) return;
    const frame = text.slice(start, end);
    if (frame.includes("event: ready")) {
      this.counts.ready = true;
      const id = /\nid: (\S+)/.exec(frame)?.[1];
      if (id) this.#cursor = id;
    } else if (frame.startsWith("event: gap")) {
      this.counts.gaps++;
      const data = JSON.parse(frame.slice(frame.indexOf("data: ") + 6)) as { skipped: number | null };
      this.counts.toldSkipped += data.skipped ?? 0;
    } else if (frame.includes("event: disconnect")) {
      this.counts.serverDisconnects++;
    }
  }

  #probe(text: string, from: number, end: number): void {
    const at = text.indexOf(EVENT_MARK, from);
    if (at < 0 || at > end) return;
    const nStart = at + EVENT_MARK.length;
    const nEnd = text.indexOf(",", nStart);
    const n = Number(text.slice(nStart, nEnd));
    const tStart = text.indexOf('"t": ', nEnd) + 5;
    const sentAt = Number(text.slice(tStart, text.indexOf(",", tStart)));
    this.latencies.push(Date.now() - sentAt);
    if (n >= this.#seen.length * 8) {
      const grown = new Uint8Array(Math.max(this.#seen.length * 2, Math.ceil((n + 1) / 8)));
      grown.set(this.#seen);
      this.#seen = grown;
    }
    const byte = n >> 3;
    const bit = 1 << (n & 7);
    if ((this.#seen[byte] as number) & bit) {
      this.counts.duplicates++;
      return;
    }
    this.#seen[byte] = (this.#seen[byte] as number) | bit;
    this.counts.distinct++;
  }
}
