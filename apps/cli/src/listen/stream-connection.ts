// A resumable connection to `GET /v1/applications/{appId}/stream` (Server-Sent Events) with the
// `eventsource` client. It keeps the cursor itself, so every (re)connection resumes strictly after
// the last event received, whether eventsource reconnects or a new one has to be opened.
import { type ErrorEvent, EventSource, type FetchLike } from "eventsource";

export interface StreamHandlers {
  /** Connected; `resumedAfter` is the cursor the server was asked to resume after. */
  open(resumedAfter: string | undefined): void;
  event(cursor: string | undefined, data: string): void;
  /** A named control message (`gap`, `token-expired`, `disconnect`). */
  control(name: string, data: string): void;
  /** The connection dropped or was refused for now; it is being re-established. */
  lost(reason: string): void;
  /** The server refused for good (bad key, no such application, no stream here). */
  fatal(reason: string, status: number | undefined): void;
}

export interface StreamConnectionOptions {
  url: URL;
  apiKey: string;
  /** Where to start before any event arrived: a cursor or `earliest`. Default: the live tail. */
  from?: string;
  /** No byte (not even the server's ping comment) for this long means a dead connection. */
  silenceTimeoutMs: number;
  /** Wait before reopening after a retryable refusal (5xx, 429). */
  reopenDelayMs: number;
  handlers: StreamHandlers;
}

/** Named events reported as they come; `ready` is not among them (it only carries the cursor). */
export const CONTROL_EVENTS = ["gap", "token-expired", "disconnect"] as const;

export interface StreamConnection {
  /** The last cursor received. */
  cursor(): string | undefined;
  close(): void;
}

export function openStreamConnection(options: StreamConnectionOptions): StreamConnection {
  const { handlers } = options;
  let cursor: string | undefined;
  let source: EventSource | undefined;
  let reopenTimer: NodeJS.Timeout | undefined;
  let closed = false;
  let refusal: string | undefined;
  let askedAfter: string | undefined;

  const fetchStream: FetchLike = async (input, init) => {
    const target = new URL(input);
    const headers: Record<string, string> = { ...init.headers, authorization: `Bearer ${options.apiKey}` };
    // Our cursor, not eventsource's: a fresh EventSource (after a refusal) knows none.
    delete headers["Last-Event-ID"];
    target.searchParams.delete("lastEventId");
    if (cursor !== undefined) headers["Last-Event-ID"] = cursor;
    else if (options.from !== undefined) target.searchParams.set("lastEventId", options.from);
    askedAfter = cursor ?? options.from;
    const response = await fetch(target, { ...init, headers });
    if (response.status !== 200) {
      refusal = await refusalDetail(response);
      return new Response(null, { status: response.status, headers: response.headers });
    }
    return watchSilence(response, options.silenceTimeoutMs);
  };

  function connect() {
    const current = new EventSource(options.url, { fetch: fetchStream });
    source = current;
    current.onopen = () => handlers.open(askedAfter);
    current.onmessage = (message) => {
      if (message.lastEventId) cursor = message.lastEventId;
      handlers.event(message.lastEventId || undefined, String(message.data));
    };
    // `ready` names where the stream starts. Keeping it means a cut before the first event still
    // resumes from there, not from a later live tail that would skip what came in between.
    current.addEventListener("ready", (message) => {
      if (message.lastEventId) cursor = message.lastEventId;
    });
    for (const name of CONTROL_EVENTS) {
      current.addEventListener(name, (message) => {
        if (message.lastEventId) cursor = message.lastEventId;
        handlers.control(name, String(message.data));
      });
    }
    current.onerror = (error: ErrorEvent) => {
      if (closed || source !== current) return;
      if (current.readyState === EventSource.CONNECTING) {
        handlers.lost(error.message ?? "connection lost");
        return;
      }
      // eventsource gives up on any answer but 200; only some of them are worth another try.
      const status = error.code;
      const reason = refusal ?? error.message ?? "the stream closed";
      if (status !== undefined && (status >= 500 || status === 429 || status === 408)) {
        handlers.lost(`${status}: ${reason}`);
        reopenTimer = setTimeout(connect, options.reopenDelayMs);
        return;
      }
      handlers.fatal(status === undefined ? reason : `${status}: ${reason}`, status);
    };
  }

  connect();
  return {
    cursor: () => cursor,
    close() {
      closed = true;
      clearTimeout(reopenTimer);
      source?.close();
    },
  };
}

async function refusalDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const problem = JSON.parse(text) as { detail?: unknown };
    if (typeof problem.detail === "string") return problem.detail;
  } catch {}
  return text.slice(0, 200) || response.statusText;
}

/**
 * The response with a body that errors after `timeoutMs` without a byte. A half-open TCP
 * connection (a laptop that slept, a NAT that forgot) never errors by itself; the error makes
 * eventsource reconnect.
 */
function watchSilence(response: Response, timeoutMs: number): Response {
  const upstream = response.body;
  if (!upstream) return response;
  const reader = upstream.getReader();
  let timer: NodeJS.Timeout | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      arm(controller);
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          clearTimeout(timer);
          controller.close();
          return;
        }
        arm(controller);
        controller.enqueue(value);
      } catch (error) {
        clearTimeout(timer);
        controller.error(error);
      }
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
  function arm(controller: ReadableStreamDefaultController<Uint8Array>) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      controller.error(new Error(`no data for ${timeoutMs} ms`));
      reader.cancel().catch(() => {});
    }, timeoutMs);
    timer.unref();
  }
  return new Response(body, { status: response.status, headers: response.headers });
}
