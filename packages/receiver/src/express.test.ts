import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReceivedWebhook, webhookMiddleware } from "./express.js";
import type { Problem } from "./problem.js";
import { sign } from "./sign.js";
import { listen, type RunningServer } from "./test-services.js";

const SECRET = `whsec_${Buffer.from("a-test-key-of-thirty-two-bytes!!").toString("base64")}`;
const OTHER_SECRET = `whsec_${Buffer.from("another-key-of-thirty-two-bytes!").toString("base64")}`;
const BODY = JSON.stringify({ type: "invoice.paid", data: { amount: 100 } });

describe("webhookMiddleware", () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = express();
    app.post("/webhooks", webhookMiddleware({ secret: SECRET, maxBodyBytes: 1024 }), (req, res) => {
      res.json({ webhook: req.webhook, rawBody: req.webhook?.rawBody.toString("utf8") });
    });
    app.post("/rotating", webhookMiddleware({ secrets: [OTHER_SECRET, SECRET] }), (_req, res) => {
      res.sendStatus(204);
    });
    app.post("/misordered", express.json(), webhookMiddleware({ secret: SECRET }), (_req, res) => {
      res.sendStatus(204);
    });
    server = await listen(app);
  });

  afterAll(() => server.close());

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });

  it("hands a good delivery to the next handler with its id, timestamp, payload and raw body", async () => {
    const headers = sign({ secret: SECRET, id: "msg_ok", body: BODY });
    const response = await post("/webhooks", BODY, headers);
    expect(response.status).toBe(200);
    const { webhook, rawBody } = (await response.json()) as { webhook: ReceivedWebhook; rawBody: string };
    expect(webhook).toMatchObject({
      id: "msg_ok",
      timestamp: Number(headers["webhook-timestamp"]),
      payload: JSON.parse(BODY),
      headerStyle: "standard",
    });
    expect(rawBody).toBe(BODY);
  });

  it("accepts a delivery signed with any configured secret", async () => {
    const response = await post("/rotating", BODY, sign({ secret: SECRET, id: "msg_rot", body: BODY }));
    expect(response.status).toBe(204);
  });

  it("accepts a body without a content-type", async () => {
    const headers = sign({ secret: SECRET, id: "msg_plain", body: BODY });
    const response = await fetch(`${server.url}/webhooks`, {
      method: "POST",
      body: Buffer.from(BODY),
      headers,
    });
    expect(response.status).toBe(200);
  });

  it("answers 401 problem+json for a bad signature", async () => {
    const response = await post("/webhooks", BODY, sign({ secret: OTHER_SECRET, id: "msg_bad", body: BODY }));
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await response.json()).toEqual({
      type: "urn:hookline:receiver:no-matching-signature",
      title: "Invalid webhook signature",
      status: 401,
      detail: expect.stringContaining("none of the 1 v1 signature(s)"),
    });
  });

  it("answers 400 problem+json naming missing headers", async () => {
    const response = await post("/webhooks", BODY, {});
    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem).toMatchObject({ type: "urn:hookline:receiver:missing-headers", status: 400 });
    expect(problem.detail).toContain("webhook-id, webhook-timestamp, webhook-signature");
  });

  it("answers 401 for a stale timestamp", async () => {
    const headers = sign({ secret: SECRET, id: "msg_old", body: BODY, timestamp: Date.now() / 1000 - 3600 });
    const response = await post("/webhooks", BODY, headers);
    expect(response.status).toBe(401);
    expect(((await response.json()) as Problem).type).toBe("urn:hookline:receiver:timestamp-too-old");
  });

  it("answers 413 problem+json for a body over the limit", async () => {
    const big = JSON.stringify({ data: "x".repeat(2048) });
    const response = await post("/webhooks", big, sign({ secret: SECRET, id: "msg_big", body: big }));
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("answers 500 problem+json when a JSON parser ran first, since the raw bytes are gone", async () => {
    const response = await post("/misordered", BODY, sign({ secret: SECRET, id: "msg_parsed", body: BODY }));
    expect(response.status).toBe(500);
    expect(((await response.json()) as Problem).detail).toContain(
      "mount webhookMiddleware before any body parser",
    );
  });

  it("refuses to start with a malformed secret", () => {
    expect(() => webhookMiddleware({ secret: "whsec_not base64" })).toThrow(/secret #1/);
  });
});
