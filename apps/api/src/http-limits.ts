// Limits on what a client may send before a request reaches a route: the size and count of its
// headers and how long it may take to send them. Node enforces size and time itself and answers
// with bare status lines; here those answers become problem+json like every other error.
import type { Server, ServerOptions } from "node:http";
import type { Duplex } from "node:stream";
import type { RequestHandler } from "express";
import { HttpProblem, problemJson } from "./problem.js";

export type HttpLimits = {
  /** Largest request head (request line and headers), bytes. */
  maxHeaderBytes: number;
  /** Most headers one request may carry. */
  maxHeaders: number;
  /** Time allowed to send the headers. */
  headersTimeoutMs: number;
  /** Time allowed to send the whole request, body included (not the response: streams live on). */
  requestTimeoutMs: number;
};

/** Options for `http.createServer`: these can only be given when the server is created. */
export function httpServerOptions(limits: HttpLimits): ServerOptions {
  const requestTimeout = limits.requestTimeoutMs;
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeout = Math.min(limits.headersTimeoutMs, requestTimeout);
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    requestTimeout,
    headersTimeout,
    // Node checks the timeouts on this interval (30 s by default), so a shorter timeout needs it.
    connectionsCheckingInterval: Math.max(250, Math.min(1_000, headersTimeout)),
  };
}

/** Settings that go on a created server, and the problem+json answer to requests Node rejects. */
export function applyHttpLimits(server: Server, limits: HttpLimits): void {
  // One over the limit: Node silently drops headers past maxHeadersCount, so a request at the cap
  // would look acceptable to headerCountLimit; at cap + 1 it can tell that there were too many.
  server.maxHeadersCount = limits.maxHeaders + 1;
  server.on("clientError", answerClientError);
}

/** 431 for a request with more than `maxHeaders` headers. */
export function headerCountLimit(maxHeaders: number): RequestHandler {
  return (req, _res, next) => {
    const count = req.rawHeaders.length / 2;
    if (count > maxHeaders) {
      next(new HttpProblem("headers-too-large", `a request may carry at most ${maxHeaders} headers`));
      return;
    }
    next();
  };
}

const REASON: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  413: "Payload Too Large",
  431: "Request Header Fields Too Large",
};

function problemFor(code: string | undefined): HttpProblem {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return new HttpProblem("headers-too-large", "the request headers are larger than this API accepts");
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new HttpProblem("payload-too-large", "the chunk extensions are larger than this API accepts");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new HttpProblem("request-timeout", "the request was not received in time");
    default:
      return new HttpProblem("invalid-request", "the request is not well-formed HTTP/1.1");
  }
}

/** What Node would do on a client error, with a problem+json body instead of none. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way on this connection cannot be followed by another status line.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const problem = problemFor(error.code);
  const body = problemJson(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${REASON[problem.status] ?? "Error"}\r\n` +
      "Content-Type: application/problem+json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
  // The client may still be sending what was refused; don't wait on it for long.
  setTimeout(() => socket.destroy(), 1_000).unref();
}
