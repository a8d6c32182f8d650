// The bench receiver: its own process, so its CPU shows up beside Hookline's like a partner's server
// would. Answers every delivery 204 at once and notes (webhook-id, path, arrival time); paths under
// /hang/ are held unanswered until the runner releases them. Control routes live under /_bench/.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the runner sees it: [webhook-id, path, arrival in epoch ms]. */
type Arrival = [id: string, path: string, at: number];

let arrivals: Arrival[] = [];
let total = 0;
let hanging = true;
const held = new Set<ServerResponse>();

function answerDelivery(req: IncomingMessage, res: ServerResponse) {
  // Drain the body (a real receiver reads it) before answering, but do not keep it.
  req.on("data", () => {});
  req.on("end", () => {
    const at = Date.now();
    const path = req.url ?? "/";
    arrivals.push([String(req.headers["webhook-id"] ?? ""), path, at]);
    total++;
    if (path.startsWith("/hang/") && hanging) {
      held.add(res);
      res.on("close", () => held.delete(res));
      return;
    }
    res.writeHead(204).end();
  });
}

function control(req: IncomingMessage, res: ServerResponse) {
  const json = (value: unknown) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
  };
  switch (req.url) {
    case "/_bench/count":
      return json({ total, held: held.size });
    case "/_bench/drain": {
      // Hands over what arrived since the last drain, so a long run never holds it all twice.
      const out = arrivals;
      arrivals = [];
      return json(out);
    }
    case "/_bench/hang":
      hanging = true;
      return json({ hanging });
    case "/_bench/release":
      // The hanging endpoints recover: everything held is answered and new requests pass.
      hanging = false;
      for (const response of held) response.writeHead(204).end();
      held.clear();
      return json({ hanging });
    default:
      res.writeHead(404).end();
  }
}

function handle(req: IncomingMessage, res: ServerResponse) {
  if (req.url?.startsWith("/_bench/")) {
    req.resume();
    control(req, res);
    return;
  }
  answerDelivery(req, res);
}

async function listen(): Promise<number> {
  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

// Two listeners: hanging endpoints get an origin of their own, as a dead partner would have, so
// they do not share a connection pool with the healthy ones.
const port = await listen();
const hangPort = await listen();
process.stdout.write(`${JSON.stringify({ ready: true, port, hangPort })}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
