// The last events a tailer handed out, kept in memory so that connections resuming near the head
// of the stream (after a cut, a deploy, a slow-consumer disconnect) catch up from objects the
// instance already holds instead of each reading Postgres into a copy of their own: a reconnect
// storm of a thousand clients costs references, not a thousand pages.
import type { StreamPosition } from "@hookline/db";
import { comparePositions, isAfter, laterOf } from "./cursor.js";
import type { StreamEvent } from "./stream-event.js";

export class RecentEvents {
  readonly #maxBytes: number;
  #events: StreamEvent[] = [];
  #head = 0;
  #bytes = 0;
  /** Every event after this position, up to `through`, is held here. */
  #from: StreamPosition;
  #through: StreamPosition;

  constructor(start: StreamPosition, maxBytes: number) {
    this.#from = start;
    this.#through = start;
    this.#maxBytes = maxBytes;
  }

  /** The tailer's position: everything up to here has been read and handed out. */
  get through(): StreamPosition {
    return this.#through;
  }

  /** Events just handed out, in stream order, all after `through`. */
  append(events: readonly StreamEvent[]): void {
    for (const event of events) {
      this.#events.push(event);
      this.#bytes += event.json.length;
    }
    const last = events.at(-1);
    if (last) this.#through = last.position;
    while (this.#bytes > this.#maxBytes && this.#head < this.#events.length) {
      const oldest = this.#events[this.#head++] as StreamEvent;
      this.#bytes -= oldest.json.length;
      this.#from = oldest.position;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }

  /** A read reached a horizon: nothing lies between the last event and this position. */
  advanceTo(position: StreamPosition): void {
    this.#through = laterOf(this.#through, position);
  }

  /** Everything after `position` up to `through`, or undefined when part of it has left memory. */
  after(position: StreamPosition): StreamEvent[] | undefined {
    if (comparePositions(position, this.#from) < 0) return undefined;
    let low = this.#head;
    let high = this.#events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (isAfter((this.#events[middle] as StreamEvent).position, position)) high = middle;
      else low = middle + 1;
    }
    return this.#events.slice(low);
  }
}
