// The sender against a real local HTTP server: the whole-request deadline (not only undici's
// per-phase timeouts), a shutdown cutting requests short, and the stored body's limit.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpSender, RESPONSE_BODY_LIMIT } from "../src/http-sender.js";

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (req.url === "/trickle") {
      // A byte every 50 ms for 3 s: never idle long enough for a per-phase timeout.
      res.writeHead(200);
      const timer = setInterval(() => res.write("."), 50);
      setTimeout(() => {
        clearInterval(timer);
        res.end();
      }, 3_000);
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (req.url === "/hang") return;
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("x".repeat(RESPONSE_BODY_LIMIT * 2));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (path: string) => ({ url: `${base}${path}`, headers: {}, body: "{}" });

describe("http sender", () => {
  it("ends a request that keeps trickling at the whole-request deadline, as a timeout", async () => {
    const sender = createHttpSender({ connectTimeoutMs: 1_000, requestTimeoutMs: 400 });
    try {
      const result = await sender.send(request("/trickle"));
      expect(result).toMatchObject({ kind: "network-error", errorClass: "timeout" });
      expect(result.durationMs).toBeGreaterThanOrEqual(350);
      expect(result.durationMs).toBeLessThan(2_000);
    } finally {
      await sender.close();
    }
  });

  it("ends the requests in flight when aborted, as worker-shutdown", async () => {
    const sender = createHttpSender({ connectTimeoutMs: 1_000, requestTimeoutMs: 60_000 });
    try {
      const sending = [sender.send(request("/hang")), sender.send(request("/hang"))];
      await new Promise((resolve) => setTimeout(resolve, 100));
      sender.abort();
      for (const result of await Promise.all(sending)) {
        expect(result).toMatchObject({ kind: "network-error", errorClass: "worker-shutdown" });
      }
    } finally {
      await sender.close();
    }
  });

  it("keeps the first 4 KiB of a response body", async () => {
    const sender = createHttpSender({ connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 });
    try {
      const result = await sender.send(request("/ok"));
      expect(result).toMatchObject({ kind: "response", statusCode: 200 });
      expect(result.kind === "response" && result.body.length).toBe(RESPONSE_BODY_LIMIT);
    } finally {
      await sender.close();
    }
  });
});
