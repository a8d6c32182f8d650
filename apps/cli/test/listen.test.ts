// `hookline listen` against a running Hookline: the real bin reads the application's stream
// through a proxy the test cuts and holds down, and forwards every event to a local server that
// verifies it with the receiver kit, exactly once.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ReceivedWebhook, verify, webhookMiddleware } from "@hookline/receiver";
import {
  type CuttableProxy,
  type Platform,
  type Receiver,
  startCuttableProxy,
  startPlatform,
  startReceiver,
  waitFor,
} from "@hookline/testing";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningCli, startHookline } from "./cli-process.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

let platform: Platform;
let proxy: CuttableProxy;
let server: Server;
let localUrl: string;
const verified: ReceivedWebhook[] = [];
let requests = 0;

beforeAll(async () => {
  platform = await startPlatform({ worker: false, env: { HOOKLINE_STREAM_RECONNECT_DELAY: "100ms" } });
  proxy = await startCuttableProxy(platform.url);
  // The developer's local server: only deliveries that verify with SECRET reach the handler.
  const app = express();
  app.post(
    "/hooks",
    (_req, _res, next) => {
      requests++;
      next();
    },
    webhookMiddleware({ secret: SECRET }),
    (req, res) => {
      if (req.webhook) verified.push(req.webhook);
      res.sendStatus(204);
    },
  );
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  localUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await proxy?.close();
  await platform?.close();
});

async function send(appId: string, key: string, count: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const sent = await platform.call("POST", `/v1/applications/${appId}/events`, {
      key,
      body: { eventType: `listen.${label}`, payload: { label, i } },
    });
    if (sent.status !== 202) throw new Error(`send failed: ${JSON.stringify(sent.body)}`);
    ids.push(sent.body.id);
  }
  return ids;
}

function reports(cli: RunningCli, kind: string) {
  return cli.jsonLines().filter((line) => line.kind === kind);
}

describe("hookline listen", { timeout: 90_000 }, () => {
  it("forwards every event once, signed with the local secret, across cuts and an outage", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant("listen");
    const cli = startHookline(
      ["listen", "--app", appId, "--forward-to", localUrl, "--secret", SECRET, "--json"],
      {
        env: { HOOKLINE_URL: proxy.url, HOOKLINE_KEY: partnerKey },
      },
    );
    try {
      await waitFor(() => reports(cli, "connected").length === 1, {
        what: "listen to connect",
        timeoutMs: 20_000,
      });
      expect(reports(cli, "connected")[0]).toMatchObject({
        first: true,
        secret: SECRET,
        forwardTo: localUrl,
      });

      const sent = await send(appId, producerKey, 5, "before");
      await waitFor(() => verified.length >= 5, { what: "the first 5 events" });

      const resumed = () => reports(cli, "connected").filter((line) => !line.first);

      // A cut while events keep coming: eventsource reconnects with Last-Event-ID by itself.
      const during = send(appId, producerKey, 10, "during");
      proxy.cut();
      sent.push(...(await during));
      await waitFor(() => resumed().length >= 1, { what: "the reconnect after the cut" });

      // An outage: the API is unreachable for a while; events sent meanwhile come on resume.
      proxy.down();
      sent.push(...(await send(appId, producerKey, 10, "outage")));
      await new Promise((resolve) => setTimeout(resolve, 700));
      proxy.restore();
      await waitFor(() => resumed().length >= 2, { what: "the reconnect after the outage" });
      sent.push(...(await send(appId, producerKey, 5, "after")));

      await waitFor(() => verified.length >= sent.length, {
        what: `all ${sent.length} events forwarded`,
        timeoutMs: 30_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // a repeat would arrive by now
      expect(await cli.interrupt()).toBe(0);

      expect(requests).toBe(sent.length); // every request verified: none was rejected
      expect(verified.map((webhook) => webhook.id).sort()).toEqual([...sent].sort());
      expect(verified.map((webhook) => (webhook.payload as { type: string }).type)).toEqual([
        ...Array(5).fill("listen.before"),
        ...Array(10).fill("listen.during"),
        ...Array(10).fill("listen.outage"),
        ...Array(5).fill("listen.after"),
      ]);
      const forwarded = reports(cli, "forwarded");
      expect(forwarded.map((line) => line.eventId)).toEqual(verified.map((webhook) => webhook.id));
      expect(new Set(forwarded.map((line) => line.status))).toEqual(new Set([204]));
      expect(reports(cli, "disconnected").length).toBeGreaterThanOrEqual(2);
      expect(resumed().every((line) => typeof line.resumedAfter === "string")).toBe(true);
    } finally {
      await cli.interrupt();
    }
  });

  it("reconnects when a connection goes silent without closing, and loses nothing sent meanwhile", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant("listen-silent");
    const local: Receiver = await startReceiver(() => ({ status: 204 }));
    const cli = startHookline(
      ["listen", "--app", appId, "--forward-to", `${local.url}/in`, "--silence-timeout", "2", "--json"],
      { env: { HOOKLINE_URL: proxy.url, HOOKLINE_KEY: partnerKey } },
    );
    try {
      await waitFor(() => reports(cli, "connected").length === 1, {
        what: "listen to connect",
        timeoutMs: 20_000,
      });
      proxy.freeze();
      const sent = await send(appId, producerKey, 3, "silent");
      await waitFor(() => local.requests.length === 3, {
        what: "the events sent while frozen",
        timeoutMs: 20_000,
      });
      expect(reports(cli, "disconnected")[0]?.reason).toBe("no data for 2000 ms");
      expect(reports(cli, "connected").filter((line) => !line.first)).toHaveLength(1);
      expect(local.requests.map((request) => request.headers["webhook-id"])).toEqual(sent);
    } finally {
      await cli.interrupt();
      await local.close();
    }
  });

  it("prints the signing secret it made up, and what the local server answered", async () => {
    const { appId, partnerKey, producerKey } = await platform.createTenant("listen-human");
    const local: Receiver = await startReceiver(() => ({ status: 202 }));
    const cli = startHookline(["listen", "--app", appId, "--forward-to", `${local.url}/in`], {
      env: { HOOKLINE_URL: platform.url, HOOKLINE_KEY: partnerKey },
    });
    try {
      const secret = await waitFor(() => /signing secret is (whsec_\S+)/.exec(cli.stderr())?.[1], {
        what: "the ready line",
        timeoutMs: 20_000,
      });
      const [eventId] = await send(appId, producerKey, 1, "human");
      await waitFor(() => local.requests.length === 1 && cli.stdout().includes("→ 202"));
      const [request] = local.requests;
      expect(
        verify(request?.headers as Record<string, string>, request?.body ?? "", secret).payload,
      ).toMatchObject({ type: "listen.human", data: { label: "human", i: 0 } });
      expect(cli.stdout()).toMatch(new RegExp(`listen\\.human {2}${eventId} {2}→ 202 \\(\\d+ ms\\)`));
      expect(await cli.interrupt()).toBe(0);
    } finally {
      await cli.interrupt();
      await local.close();
    }
  });

  it("exits 1 and says why when the stream is refused (an application the key cannot see)", async () => {
    const { partnerKey } = await platform.createTenant("listen-refused");
    const other = await platform.createTenant("someone-else");
    const cli = startHookline(["listen", "--app", other.appId, "--forward-to", localUrl], {
      env: { HOOKLINE_URL: platform.url, HOOKLINE_KEY: partnerKey },
    });
    const timeout = new Promise((resolve) => setTimeout(resolve, 20_000, "still running"));
    const code = await Promise.race([cli.exited(), timeout]);
    await cli.interrupt();
    expect(code).toBe(1);
    expect(cli.stderr()).toContain("error: the stream refused: 404");
  });
});
