// One event as streams send it. Serialized once per instance, into bytes shared by every connection
// that carries it: fan-out costs a reference per reader, not a JSON.stringify nor a copy (sockets
// write the shared bytes with writev).
import type { StreamPosition, StreamRow } from "@hookline/db";
import { formatCursor } from "./cursor.js";

export type TransportKind = "sse" | "ws";

export type Frame = { data: Buffer; bytes: number };

export class StreamEvent {
  readonly position: StreamPosition;
  readonly cursor: string;
  readonly id: string;
  readonly type: string;
  /** `{id, type, timestamp, data}`: the body webhooks carry, plus the event id. */
  readonly json: string;
  #sse: Frame | undefined;
  #ws: Frame | undefined;

  constructor(row: StreamRow) {
    this.position = row.position;
    this.cursor = formatCursor(row.position);
    this.id = row.id;
    this.type = row.eventType;
    // The payload is Postgres' own JSON text, spliced in as is.
    this.json = `{"id":${JSON.stringify(row.id)},"type":${JSON.stringify(row.eventType)},"timestamp":"${row.createdAt.toISOString()}","data":${row.payloadJson}}`;
  }

  frame(kind: TransportKind): Frame {
    if (kind === "sse") {
      this.#sse ??= toFrame(`id: ${this.cursor}\ndata: ${this.json}\n\n`);
      return this.#sse;
    }
    this.#ws ??= toFrame(`{"cursor":"${this.cursor}","event":${this.json}}`);
    return this.#ws;
  }
}

export function toFrame(text: string): Frame {
  const data = Buffer.from(text);
  return { data, bytes: data.length };
}
