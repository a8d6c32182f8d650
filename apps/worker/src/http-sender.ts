// Sends one signed request with undici and reports what happened, never throwing for what the
// receiver did. Pools per origin with keep-alive; redirects are not followed.
import type { LookupFunction } from "node:net";
import { Agent } from "undici";

export const RESPONSE_BODY_LIMIT = 4 * 1024;
/** Read this much of a response to keep the connection reusable; past it, drop the connection. */
const DRAIN_LIMIT = 64 * 1024;

export type OutgoingRequest = { url: string; headers: Record<string, string>; body: string };

export type SendResult =
  | { kind: "response"; statusCode: number; body: string; retryAfter: string | undefined; durationMs: number }
  | { kind: "network-error"; errorClass: string; message: string; durationMs: number };

export type SenderOptions = {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** DNS lookup used for every connection: the SSRF guard's, so DNS rebinding gets nothing. */
  lookup?: LookupFunction | undefined;
  /** Connections per origin. */
  connectionsPerOrigin?: number;
};

export type HttpSender = {
  send(request: OutgoingRequest): Promise<SendResult>;
  /** Cuts every request in flight short (a shutdown past its deadline); they end as `worker-shutdown`. */
  abort(): void;
  close(): Promise<void>;
};

export function createHttpSender(options: SenderOptions): HttpSender {
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs, ...(options.lookup ? { lookup: options.lookup } : {}) },
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    keepAliveTimeout: 30_000,
    connections: options.connectionsPerOrigin ?? 64,
  });

  // Each request has its own controller, aborted by its whole-request deadline or by `abort()`
  // (a shutdown past its deadline). One controller and one timer per request cost less than
  // AbortSignal.timeout joined to a shared signal with AbortSignal.any (finding 18).
  const inFlight = new Set<AbortController>();
  let stopped = false;

  async function send(request: OutgoingRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const controller = new AbortController();
    const deadline = setTimeout(
      () => controller.abort(new DOMException("the whole-request timeout passed", "TimeoutError")),
      options.requestTimeoutMs,
    );
    inFlight.add(controller);
    try {
      const url = new URL(request.url);
      const response = await agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: "POST",
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
      });
      const body = await readLimited(response.body);
      const retryAfter = response.headers["retry-after"];
      return {
        kind: "response",
        statusCode: response.statusCode,
        body,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        durationMs: elapsed(),
      };
    } catch (error) {
      if (stopped) {
        const message = "the worker stopped before the endpoint answered";
        return { kind: "network-error", errorClass: "worker-shutdown", message, durationMs: elapsed() };
      }
      return { kind: "network-error", ...classify(error), durationMs: elapsed() };
    } finally {
      clearTimeout(deadline);
      inFlight.delete(controller);
    }
  }

  function abort(): void {
    stopped = true;
    for (const controller of inFlight) controller.abort();
  }

  return { send, abort, close: () => agent.close() };
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (kept < RESPONSE_BODY_LIMIT) {
      chunks.push(chunk.subarray(0, RESPONSE_BODY_LIMIT - kept));
      kept += Math.min(chunk.length, RESPONSE_BODY_LIMIT - kept);
    }
    if (read > DRAIN_LIMIT) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Names the network failure the way operators search for it. */
export function classify(error: unknown): { errorClass: string; message: string } {
  const err = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code ?? "";
  const message = err.message ?? String(error);
  if (code === "EHOOKLINEBLOCKED") return { errorClass: "blocked-destination", message };
  if (code === "UND_ERR_CONNECT_TIMEOUT") return { errorClass: "connect-timeout", message };
  if (
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    err.name === "TimeoutError" ||
    err.name === "AbortError"
  ) {
    return { errorClass: "timeout", message };
  }
  if (code === "ECONNREFUSED") return { errorClass: "connection-refused", message };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return { errorClass: "dns", message };
  if (code.startsWith("ERR_TLS") || code.includes("CERT") || code === "EPROTO")
    return { errorClass: "tls", message };
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE") {
    return { errorClass: "connection-reset", message };
  }
  return { errorClass: "network", message: code ? `${code}: ${message}` : message };
}
