// A real local HTTP receiver that records every delivery and answers as each test scripts it.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedRequest = {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
  /** 1 for the first request this receiver got, and so on. */
  sequence: number;
};

export type ReceiverAnswer = {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the connection is closed when the receiver stops). */
  hang?: boolean;
};

/** Decides the answer to each request; the default answers 204. */
export type ReceiverScript = (request: ReceivedRequest) => ReceiverAnswer | Promise<ReceiverAnswer>;

export type Receiver = {
  url: string;
  requests: ReceivedRequest[];
  /** Requests grouped by their webhook-id (or svix-id) header. */
  byWebhookId(): Map<string, ReceivedRequest[]>;
  setScript(script: ReceiverScript): void;
  close(): Promise<void>;
};

export async function startReceiver(script: ReceiverScript = () => ({ status: 204 })): Promise<Receiver> {
  let current = script;
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const request: ReceivedRequest = {
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
        sequence: requests.length + 1,
      };
      requests.push(request);
      const answer = await current(request);
      if (answer.hang) return;
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      res.writeHead(answer.status ?? 204, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    byWebhookId() {
      const groups = new Map<string, ReceivedRequest[]>();
      for (const request of requests) {
        const id = String(request.headers["webhook-id"] ?? request.headers["svix-id"] ?? "");
        groups.set(id, [...(groups.get(id) ?? []), request]);
      }
      return groups;
    },
    setScript(next) {
      current = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
