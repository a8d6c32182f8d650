// The chaos receiver: a separate process standing in for partners' servers. Each endpoint is a path
// (`/ep/<name>`) whose behaviour the runner sets at any time: `ok` (204, after `delayMs`), `flaky`
// (a share of the requests answer 500 or never answer), or `hang` (never answers). It counts, per path and
// webhook-id, the requests it answered 2xx (the ledger's "delivered") and the delivery latency
// (now − the `sentAt` the load generator put in the payload).
// Control: GET /__control/stats?path=…, POST /__control/mode {path, mode, failRatio?, delayMs?}. Prints
// {"ready":true,"port":N} once listening.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type Mode = { mode: "ok" | "flaky" | "hang"; failRatio: number; delayMs: number };

type PathStats = {
  /** webhook-id → number of 2xx answers sent for it. */
  acknowledged: Map<string, number>;
  /** webhook-id → requests received (any answer). */
  received: Map<string, number>;
  /** [sentAt, latency ms] of each 2xx answer. */
  latencies: Array<[number, number]>;
  /** Requests at this path not answered yet, now and at most. */
  open: number;
  maxOpen: number;
};

const modes = new Map<string, Mode>();
const stats = new Map<string, PathStats>();
const hanging = new Set<ServerResponse>();

function statsOf(path: string): PathStats {
  let entry = stats.get(path);
  if (!entry) {
    entry = { acknowledged: new Map(), received: new Map(), latencies: [], open: 0, maxOpen: 0 };
    stats.set(path, entry);
  }
  return entry;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

async function control(req: IncomingMessage, res: ServerResponse, url: URL) {
  if (req.method === "GET" && url.pathname === "/__control/stats") {
    const path = url.searchParams.get("path") ?? "";
    const entry = statsOf(path);
    json(res, 200, {
      acknowledged: Object.fromEntries(entry.acknowledged),
      received: Object.fromEntries(entry.received),
      latencies: entry.latencies,
      maxOpen: entry.maxOpen,
    });
    return;
  }
  if (req.method === "POST" && url.pathname === "/__control/mode") {
    const body = JSON.parse(await readBody(req)) as Partial<Mode> & { path: string; mode: Mode["mode"] };
    modes.set(body.path, { mode: body.mode, failRatio: body.failRatio ?? 0, delayMs: body.delayMs ?? 0 });
    json(res, 200, { ok: true });
    return;
  }
  json(res, 404, { error: "no such control" });
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://receiver");
  if (url.pathname.startsWith("/__control/")) return control(req, res, url);
  const body = await readBody(req).catch(() => "");
  const path = url.pathname;
  const id = String(req.headers["webhook-id"] ?? "");
  const entry = statsOf(path);
  entry.received.set(id, (entry.received.get(id) ?? 0) + 1);
  entry.open++;
  entry.maxOpen = Math.max(entry.maxOpen, entry.open);
  res.on("close", () => entry.open--);
  const { mode, failRatio, delayMs } = modes.get(path) ?? { mode: "ok", failRatio: 0, delayMs: 0 };

  const roll = Math.random();
  if (mode === "hang" || (mode === "flaky" && roll < failRatio / 2)) {
    hanging.add(res);
    res.on("close", () => hanging.delete(res));
    return;
  }
  if (mode === "flaky" && roll < failRatio) {
    res.writeHead(500);
    res.end("chaos says no");
    return;
  }
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  entry.acknowledged.set(id, (entry.acknowledged.get(id) ?? 0) + 1);
  try {
    const sentAt = (JSON.parse(body) as { data?: { sentAt?: number } }).data?.sentAt;
    if (typeof sentAt === "number") entry.latencies.push([sentAt, Date.now() - sentAt]);
  } catch {}
  res.writeHead(204);
  res.end();
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port }));
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
