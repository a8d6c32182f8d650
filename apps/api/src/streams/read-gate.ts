// How many stream catch-up reads (replays, start checks) one API instance runs against Postgres at
// once. A reconnect storm of a thousand clients queues here, in order, instead of taking every
// connection of the pool and timing out the API's other requests (ingest among them). The tailers'
// reads do not queue here: one per application, they carry the live tail for everyone.
export class ReadGate {
  readonly #max: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  async run<T>(read: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await read();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next reader; otherwise it frees up.
      if (next) next();
      else this.#running--;
    }
  }
}
