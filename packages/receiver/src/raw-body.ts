// Reading the request body as bytes, untouched: the signature covers the exact bytes sent, so
// no parser may run before verification. Read here rather than with body-parser so that the kit
// needs no runtime dependency on Express.
import type { IncomingMessage } from "node:http";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Why the body could not be read; `status` is the HTTP answer it deserves. */
export class BodyReadError extends Error {
  override readonly name = "BodyReadError";

  constructor(
    readonly code: "payload-too-large" | "unsupported-encoding" | "body-already-parsed" | "unreadable-body",
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The raw body; reuses a Buffer an earlier `express.raw()` left on `req.body`. */
export async function readRawBody(
  req: IncomingMessage & { body?: unknown },
  maxBytes: number,
): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === "string") return Buffer.from(req.body, "utf8");
  if (req.body !== undefined || req.readableEnded) {
    throw new BodyReadError(
      "body-already-parsed",
      500,
      "the body was consumed before signature verification; mount webhookMiddleware before any body parser",
    );
  }
  const encoding = req.headers["content-encoding"]?.toLowerCase() ?? "identity";
  if (encoding !== "identity") {
    throw new BodyReadError("unsupported-encoding", 415, `content-encoding "${encoding}" is not supported`);
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);

  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof BodyReadError) throw error;
    throw new BodyReadError(
      "unreadable-body",
      400,
      "the request body could not be read (connection aborted?)",
    );
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): BodyReadError {
  return new BodyReadError("payload-too-large", 413, `the body is larger than ${maxBytes} bytes`);
}
