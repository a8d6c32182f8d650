// Baseline process: what BullMQ alone does on this machine. `noop` completes each job at once;
// `undici` builds the same Standard Webhooks body, signs it with the same HMAC and POSTs it with an
// undici Agent to the bench receiver — Hookline's delivery path without Postgres. Settings come as
// one JSON argument from the runner.
import { signatureHeaders, USER_AGENT, webhookBody } from "@hookline/core";
import { type Job, Worker } from "bullmq";
import { Redis } from "ioredis";
import { Agent } from "undici";

type Settings = {
  mode: "noop" | "undici";
  redisUrl: string;
  prefix: string;
  queue: string;
  concurrency: number;
  receiverUrl: string;
  secret: string;
};

export type BaselineJob = { id: string; eventType: string; payload: unknown; createdAt: string };

const settings = JSON.parse(process.argv[2] ?? "{}") as Settings;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
const target = new URL(settings.receiverUrl);

async function post(job: Job<BaselineJob>): Promise<void> {
  const body = webhookBody({
    type: job.data.eventType,
    createdAt: new Date(job.data.createdAt),
    payload: job.data.payload,
  });
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    ...signatureHeaders({
      style: "standard",
      secrets: [settings.secret],
      id: job.data.id,
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
    }),
  };
  const response = await agent.request({
    origin: target.origin,
    path: target.pathname,
    method: "POST",
    headers,
    body,
  });
  await response.body.text();
  if (response.statusCode < 200 || response.statusCode >= 300)
    throw new Error(`receiver answered ${response.statusCode}`);
}

const worker = new Worker<BaselineJob>(settings.queue, settings.mode === "noop" ? async () => {} : post, {
  connection: new Redis(settings.redisUrl, { maxRetriesPerRequest: null }),
  prefix: settings.prefix,
  concurrency: settings.concurrency,
});
await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    await worker.close();
    await agent.close();
    process.exit(0);
  });
}
