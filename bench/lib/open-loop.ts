// Open-loop load: requests leave at scheduled times whatever happened to the previous ones, and
// every latency is measured from the scheduled time, not from when the request actually left, so
// a stall shows up in the figures instead of silently slowing the sender (no coordinated omission).
import { Pool } from "undici";

export type OpenLoopOptions = {
  url: string;
  ratePerSecond: number;
  durationMs: number;
  headers: Record<string, string>;
  /** The body of the i-th request. */
  body: (index: number) => string;
  /** Most requests in flight before new ones queue (they still count from their schedule). */
  connections?: number;
};

export type OpenLoopSend = {
  index: number;
  /** Epoch milliseconds this request was due to leave. */
  scheduledAt: number;
  status: number;
  responseBody: string;
  /** Answer time minus scheduled time (ms); NaN for a network error. */
  latencyMs: number;
};

export async function runOpenLoop(
  options: OpenLoopOptions,
): Promise<{ sends: OpenLoopSend[]; lateMs: number }> {
  const url = new URL(options.url);
  const pool = new Pool(url.origin, { connections: options.connections ?? 128 });
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const interval = 1000 / options.ratePerSecond;
  const headers = { "content-type": "application/json", ...options.headers };
  const sends: Promise<OpenLoopSend>[] = [];
  // performance.now() is monotonic; the epoch offset turns it into wall time for the receiver.
  const startAt = performance.now() + 20;
  let maxLate = 0;

  async function sendOne(index: number, due: number): Promise<OpenLoopSend> {
    const scheduledAt = performance.timeOrigin + due;
    try {
      const response = await pool.request({
        method: "POST",
        path: url.pathname,
        headers,
        body: options.body(index),
      });
      const responseBody = await response.body.text();
      return {
        index,
        scheduledAt,
        status: response.statusCode,
        responseBody,
        latencyMs: performance.now() - due,
      };
    } catch {
      return { index, scheduledAt, status: 0, responseBody: "", latencyMs: Number.NaN };
    }
  }

  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && startAt + next * interval <= now) {
      const due = startAt + next * interval;
      maxLate = Math.max(maxLate, now - due);
      sends.push(sendOne(next, due));
      next++;
    }
    const wait = startAt + next * interval - performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(wait, 5))));
  }
  const done = await Promise.all(sends);
  await pool.close();
  return { sends: done, lateMs: maxLate };
}
