// Stream clients for tests: the real `eventsource` package (v4) for SSE, `ws` for WebSocket, each
// recording what arrived; and concurrent producers.
import { get as httpGet } from "node:http";
import type { Platform } from "@hookline/testing";
import { EventSource } from "eventsource";
import WebSocket from "ws";

export type StreamedEvent = { cursor: string; id: string; type: string; timestamp: string; data: unknown };
export type Control = { name: string; body: Record<string, unknown> };

export type SseReader = {
  source: EventSource;
  events: StreamedEvent[];
  controls: Control[];
  /** Connections the client opened (1 + reconnects). */
  opens: number;
  errors: number;
  close(): void;
};

/** An EventSource that authenticates with a key header (or a token in the URL). */
export function readSse(
  baseUrl: string,
  path: string,
  options: { key?: string; headers?: Record<string, string> } = {},
): SseReader {
  const reader: SseReader = {
    source: undefined as unknown as EventSource,
    events: [],
    controls: [],
    opens: 0,
    errors: 0,
    close: () => reader.source.close(),
  };
  const source = new EventSource(baseUrl + path, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          ...options.headers,
        },
      }),
  });
  reader.source = source;
  source.onopen = () => reader.opens++;
  source.onerror = () => reader.errors++;
  source.onmessage = (message) => {
    const event = JSON.parse(message.data) as Omit<StreamedEvent, "cursor">;
    reader.events.push({ cursor: message.lastEventId, ...event });
  };
  for (const name of ["ready", "gap", "token-expired", "disconnect"]) {
    source.addEventListener(name, (message) => {
      reader.controls.push({ name, body: JSON.parse((message as MessageEvent).data) });
    });
  }
  return reader;
}

export type WsReader = {
  socket: WebSocket;
  events: StreamedEvent[];
  controls: Control[];
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
};

export function readWs(
  baseUrl: string,
  path: string,
  options: { key?: string; headers?: Record<string, string> } = {},
): WsReader {
  const socket = new WebSocket(baseUrl.replace(/^http/, "ws") + path, {
    headers: { ...(options.key ? { authorization: `Bearer ${options.key}` } : {}), ...options.headers },
  });
  const reader: WsReader = {
    socket,
    events: [],
    controls: [],
    opened: new Promise((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("unexpected-response", (_req, res) =>
        reject(new Error(`handshake answered ${res.statusCode}`)),
      );
      socket.once("error", reject);
    }),
    closed: new Promise((resolve) => {
      socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    }),
  };
  reader.opened.catch(() => {});
  socket.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as Record<string, unknown>;
    if (typeof frame.control === "string") {
      reader.controls.push({ name: frame.control, body: frame });
      return;
    }
    const event = frame.event as Omit<StreamedEvent, "cursor">;
    reader.events.push({ cursor: frame.cursor as string, ...event });
  });
  return reader;
}

/** Sends `count` events through the API, `concurrency` requests at a time; returns their ids. */
export async function produce(
  platform: Pick<Platform, "call">,
  appId: string,
  key: string,
  count: number,
  options: {
    concurrency?: number;
    eventType?: (index: number) => string;
    payload?: (index: number) => unknown;
  } = {},
): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const response = await platform.call("POST", `/v1/applications/${appId}/events`, {
        key,
        body: {
          eventType: options.eventType?.(index) ?? "order.updated",
          payload: options.payload?.(index) ?? { index },
        },
      });
      if (response.status !== 202)
        throw new Error(`ingest answered ${response.status}: ${JSON.stringify(response.body)}`);
      ids.push(response.body.id as string);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
  return ids;
}

/** Ids that arrived more than once. */
export function repeated(events: readonly { id: string }[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const event of events) {
    if (seen.has(event.id)) twice.push(event.id);
    seen.add(event.id);
  }
  return twice;
}

export type RawSseReader = {
  events: StreamedEvent[];
  controls: Control[];
  /** `retry:` values, in order. */
  retries: number[];
  /** Comment lines (`: ping`). */
  comments: string[];
  ended: Promise<void>;
  pause(): void;
  resume(): void;
  close(): void;
};

/** A bare SSE reader that can stop reading, as a stalled browser tab or a slow client does: once
 * paused, the socket's buffers fill and the server's outbound buffer with them. */
export function readSseRaw(
  baseUrl: string,
  path: string,
  options: { key: string; headers?: Record<string, string> },
): Promise<RawSseReader> {
  return new Promise((resolve, reject) => {
    const request = httpGet(
      baseUrl + path,
      {
        headers: { authorization: `Bearer ${options.key}`, accept: "text/event-stream", ...options.headers },
      },
      (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`stream answered ${response.statusCode}`));
          return;
        }
        response.setEncoding("utf8");
        let buffered = "";
        const reader: RawSseReader = {
          events: [],
          controls: [],
          retries: [],
          comments: [],
          ended: new Promise((done) => response.once("close", () => done())),
          pause: () => response.pause(),
          resume: () => response.resume(),
          close: () => request.destroy(),
        };
        response.on("data", (chunk: string) => {
          buffered += chunk;
          let end = buffered.indexOf("\n\n");
          while (end >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            end = buffered.indexOf("\n\n");
            const fields = new Map<string, string>();
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) {
                reader.comments.push(line);
                continue;
              }
              const colon = line.indexOf(": ");
              if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
            }
            const retry = fields.get("retry");
            if (retry !== undefined) reader.retries.push(Number(retry));
            const data = fields.get("data");
            if (data === undefined) continue;
            const name = fields.get("event");
            if (name) reader.controls.push({ name, body: JSON.parse(data) });
            else reader.events.push({ cursor: fields.get("id") ?? "", ...JSON.parse(data) });
          }
        });
        response.on("error", () => {});
        resolve(reader);
      },
    );
    request.on("error", () => {});
  });
}

/** Sends `count` events through the batch route, `batchSize` per request; returns their ids in order. */
export async function produceBatches(
  platform: Pick<Platform, "call">,
  appId: string,
  key: string,
  count: number,
  options: {
    batchSize?: number;
    eventType?: (index: number) => string;
    payload?: (index: number) => unknown;
  } = {},
): Promise<string[]> {
  const ids: string[] = [];
  const size = options.batchSize ?? 100;
  for (let start = 0; start < count; start += size) {
    const events = Array.from({ length: Math.min(size, count - start) }, (_, offset) => ({
      eventType: options.eventType?.(start + offset) ?? "order.updated",
      payload: options.payload?.(start + offset) ?? { index: start + offset },
    }));
    const response = await platform.call("POST", `/v1/applications/${appId}/events/batch`, {
      key,
      body: { events },
    });
    if (response.status !== 202)
      throw new Error(`batch ingest answered ${response.status}: ${JSON.stringify(response.body)}`);
    ids.push(...(response.body.data as { id: string }[]).map((event) => event.id));
  }
  return ids;
}
