// POSTs one signed request to the local server and reports what it answered.
import { request } from "undici";
import type { SignedRequest } from "./stream-event.js";

export type ForwardResult =
  | { ok: true; status: number; durationMs: number; body: string }
  | { ok: false; status: number; durationMs: number; body: string }
  | { ok: false; status: undefined; durationMs: number; error: string };

/** What of the answer is kept for the report: enough to read an error message. */
const BODY_EXCERPT = 300;

export async function forward(
  url: string,
  signed: SignedRequest,
  options: { timeoutMs: number },
): Promise<ForwardResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await request(url, {
      method: "POST",
      headers: signed.headers,
      body: signed.body,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const body = (await response.body.text()).slice(0, BODY_EXCERPT);
    const status = response.statusCode;
    return { ok: status >= 200 && status < 300, status, durationMs: elapsed(), body };
  } catch (error) {
    const cause = error as { code?: string; message?: string };
    return {
      ok: false,
      status: undefined,
      durationMs: elapsed(),
      error: cause.code ?? cause.message ?? String(error),
    };
  }
}
