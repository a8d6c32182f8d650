// Everything a stream client can get wrong is a clear 4xx problem+json before the stream starts:
// never a hang, never a 500, on either transport.
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { StreamTokens } from "../../src/streams/stream-token.js";
import { readSse } from "./stream-clients.js";

let platform: Platform;
let tenant: { appId: string; partnerKey: string; producerKey: string };
let other: { appId: string; partnerKey: string; producerKey: string };
let tokens: StreamTokens;
let partnerKeyId: string;

beforeAll(async () => {
  platform = await startPlatform({ worker: false, env: { HOOKLINE_STREAM_MAX_CONNECTIONS_PER_KEY: "2" } });
  tenant = await platform.createTenant("mine");
  other = await platform.createTenant("theirs");
  tokens = new StreamTokens(platform.config.encryptionKey);
  const minted = await platform.call("POST", `/v1/applications/${tenant.appId}/stream-tokens`, {
    key: tenant.partnerKey,
  });
  const verdict = tokens.verify(minted.body.token);
  if (verdict.kind !== "valid") throw new Error(`minted an unusable token: ${verdict.kind}`);
  partnerKeyId = verdict.claims.keyId;
});
afterAll(async () => {
  await platform?.close();
});

type Case = {
  name: string;
  path: (app: string) => string;
  key?: () => string | undefined;
  headers?: () => Record<string, string>;
  status: number;
  detail: RegExp;
  /** The `Upgrade` header the answer must carry. */
  upgrade?: string;
};

const cases: Case[] = [
  {
    name: "a cursor that is not one",
    path: (app) => `/v1/applications/${app}/stream?lastEventId=abc`,
    status: 400,
    detail: /lastEventId/,
  },
  {
    name: "a cursor with an overflowing xid",
    path: (app) => `/v1/applications/${app}/stream?lastEventId=99999999999999999999-1`,
    status: 400,
    detail: /lastEventId/,
  },
  {
    name: "a malformed Last-Event-ID header",
    path: (app) => `/v1/applications/${app}/stream`,
    headers: () => ({ "last-event-id": "12" }),
    status: 400,
    detail: /Last-Event-ID/,
  },
  {
    name: "a cursor from the future",
    path: (app) => `/v1/applications/${app}/stream?lastEventId=9999999999999-1`,
    status: 400,
    detail: /ahead of this stream/,
  },
  {
    name: "an unknown policy",
    path: (app) => `/v1/applications/${app}/stream?policy=fastest`,
    status: 400,
    detail: /policy/,
  },
  {
    name: "a bad event type filter",
    path: (app) => `/v1/applications/${app}/stream?eventTypes=ok,not%20ok`,
    status: 400,
    detail: /eventTypes/,
  },
  {
    name: "an unknown parameter",
    path: (app) => `/v1/applications/${app}/stream?since=yesterday`,
    status: 400,
    detail: /since|query/,
  },
  {
    name: "a repeated parameter",
    path: (app) => `/v1/applications/${app}/stream?policy=latest&policy=latest`,
    status: 400,
    detail: /policy/,
  },
  {
    name: "no credentials",
    path: (app) => `/v1/applications/${app}/stream`,
    key: () => undefined,
    status: 401,
    detail: /Authorization/,
  },
  {
    name: "a garbage token",
    path: (app) => `/v1/applications/${app}/stream?token=hlst_nope`,
    key: () => undefined,
    status: 401,
    detail: /malformed/,
  },
  {
    name: "a token signed by another deployment",
    path: (app) =>
      `/v1/applications/${app}/stream?token=${new StreamTokens(Buffer.alloc(32, 7)).issue({ applicationId: app, keyId: partnerKeyId, expiresAt: new Date(Date.now() + 60_000) })}`,
    key: () => undefined,
    status: 401,
    detail: /signature/,
  },
  {
    name: "an expired token",
    path: (app) =>
      `/v1/applications/${app}/stream?token=${tokens.issue({ applicationId: app, keyId: partnerKeyId, expiresAt: new Date(Date.now() - 1000) })}`,
    key: () => undefined,
    status: 401,
    detail: /expired/,
  },
  {
    name: "a token and a key at once",
    path: (app) =>
      `/v1/applications/${app}/stream?token=${tokens.issue({ applicationId: app, keyId: partnerKeyId, expiresAt: new Date(Date.now() + 60_000) })}`,
    status: 400,
    detail: /not both/,
  },
  {
    name: "a token for another application",
    path: () =>
      `/v1/applications/${other.appId}/stream?token=${tokens.issue({ applicationId: tenant.appId, keyId: partnerKeyId, expiresAt: new Date(Date.now() + 60_000) })}`,
    key: () => undefined,
    status: 404,
    detail: /application/,
  },
  {
    name: "another application's partner key",
    path: (app) => `/v1/applications/${app}/stream`,
    key: () => other.partnerKey,
    status: 404,
    detail: /application/,
  },
  {
    name: "a producer key",
    path: (app) => `/v1/applications/${app}/stream`,
    key: () => tenant.producerKey,
    status: 403,
    detail: /partner or admin/,
  },
  {
    name: "an unknown application",
    path: () => "/v1/applications/app_nope/stream",
    key: () => platform.adminKey,
    status: 404,
    detail: /application/,
  },
  {
    name: "a stream token on a route that is not a stream",
    path: (app) =>
      `/v1/applications/${app}/events?token=${tokens.issue({ applicationId: app, keyId: partnerKeyId, expiresAt: new Date(Date.now() + 60_000) })}`,
    key: () => undefined,
    status: 401,
    detail: /Authorization/,
  },
  {
    name: "a plain GET on the WebSocket route",
    path: (app) => `/v1/applications/${app}/ws`,
    status: 426,
    detail: /WebSocket/,
    upgrade: "websocket",
  },
];

describe("stream requests refused before the stream starts", () => {
  it.each(cases)("$name → $status problem+json", async (c) => {
    const key = c.key ? c.key() : tenant.partnerKey;
    const response = await fetch(platform.url + c.path(tenant.appId), {
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...c.headers?.() },
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(c.status);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { status: number; detail: string };
    expect(problem.status).toBe(c.status);
    expect(problem.detail).toMatch(c.detail);
    if (c.upgrade) expect(response.headers.get("upgrade")).toBe(c.upgrade);
  });

  it("refuses a token once the key that minted it is revoked", async () => {
    const { body: key } = await platform.call("POST", "/v1/keys", {
      body: { role: "partner", applicationId: tenant.appId },
    });
    const { body: minted } = await platform.call("POST", `/v1/applications/${tenant.appId}/stream-tokens`, {
      key: key.key,
    });
    expect((await platform.call("DELETE", `/v1/keys/${key.id}`)).status).toBe(204);
    const response = await fetch(
      `${platform.url}/v1/applications/${tenant.appId}/stream?token=${minted.token}`,
      {
        signal: AbortSignal.timeout(5_000),
      },
    );
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/revoked/);
  });

  it("limits the streams one key holds open, and frees the slot when one closes", async () => {
    const { body: key } = await platform.call("POST", "/v1/keys", {
      body: { role: "partner", applicationId: tenant.appId },
    });
    const open = [0, 1].map(() =>
      readSse(platform.url, `/v1/applications/${tenant.appId}/stream`, { key: key.key }),
    );
    await waitFor(() => open.every((reader) => reader.controls.length > 0), { what: "two open streams" });
    const third = await fetch(`${platform.url}/v1/applications/${tenant.appId}/stream`, {
      headers: { authorization: `Bearer ${key.key}` },
      signal: AbortSignal.timeout(5_000),
    });
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).not.toBeNull();
    expect(((await third.json()) as { detail: string }).detail).toMatch(/2 streams/);

    open[0]?.close();
    const again = readSse(platform.url, `/v1/applications/${tenant.appId}/stream`, { key: key.key });
    await waitFor(() => again.controls.length > 0, { what: "a stream in the freed slot" });
    again.close();
    open[1]?.close();
  });

  it.each([
    ["a bad cursor", "?lastEventId=nope", 400, /lastEventId/],
    ["an unknown policy", "?policy=fastest", 400, /policy/],
    ["a bad token", "?token=hlst_x.y", 401, /token/],
  ] as const)(
    "answers a WebSocket handshake with %s with a %i problem+json",
    async (_name, query, status, detail) => {
      const { statusCode, contentType, body } = await refusedHandshake(
        `/v1/applications/${tenant.appId}/ws${query}`,
      );
      expect(statusCode).toBe(status);
      expect(contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(body).detail).toMatch(detail);
    },
  );
});

function refusedHandshake(path: string): Promise<{ statusCode: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(platform.url.replace(/^http/, "ws") + path, {
      headers: path.includes("token=") ? {} : { authorization: `Bearer ${tenant.partnerKey}` },
      handshakeTimeout: 5_000,
    });
    socket.on("open", () => reject(new Error("the handshake was accepted")));
    socket.on("error", () => {});
    socket.on("unexpected-response", (_request, response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () =>
        resolve({
          statusCode: response.statusCode ?? 0,
          contentType: String(response.headers["content-type"]),
          body,
        }),
      );
    });
  });
}

describe("stream routes in the API description", () => {
  it("lists the SSE, WebSocket and token routes with their parameters", async () => {
    const { body: openapi } = await platform.call("GET", "/openapi.json");
    const sse = openapi.paths["/v1/applications/{appId}/stream"].get;
    expect(sse.operationId).toBe("v1.stream.sse");
    expect(sse.parameters.map((parameter: { name: string }) => parameter.name).sort()).toEqual(
      ["appId", "eventTypes", "lastEventId", "policy", "token"].sort(),
    );
    const policy = sse.parameters.find((parameter: { name: string }) => parameter.name === "policy");
    expect(policy.schema.enum).toEqual(["disconnect", "drop-oldest", "latest"]);
    expect(openapi.paths["/v1/applications/{appId}/ws"].get.operationId).toBe("v1.stream.websocket");
    expect(openapi.paths["/v1/applications/{appId}/stream-tokens"].post.operationId).toBe(
      "v1.stream.createToken",
    );
  });
});
