// Bad input of every kind gets a clear 4xx problem+json, never a 500, and changes nothing.
import { type ApiResponse, type Platform, startPlatform } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let tenant: Awaited<ReturnType<Platform["createTenant"]>>;
let endpointsPath: string;
let eventsPath: string;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
  tenant = await platform.createTenant();
  endpointsPath = `/v1/applications/${tenant.appId}/endpoints`;
  eventsPath = `/v1/applications/${tenant.appId}/events`;
});
afterAll(async () => {
  await platform?.close();
});

async function expectProblem(response: ApiResponse, status: number, detail?: RegExp): Promise<void> {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(response.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status });
  if (detail) expect(response.body.detail).toMatch(detail);
}

async function eventCount(): Promise<number> {
  const list = await platform.call("GET", `${eventsPath}?limit=250`);
  return list.body.data.length;
}

describe("event ingest input", () => {
  it("rejects malformed JSON", async () => {
    await expectProblem(
      await platform.call("POST", eventsPath, { rawBody: '{"eventType": "a.b",' }),
      400,
      /not valid JSON/,
    );
  });

  it("rejects a body that is not JSON", async () => {
    await expectProblem(
      await platform.call("POST", eventsPath, {
        rawBody: "eventType=a.b",
        headers: { "content-type": "text/plain" },
      }),
      415,
    );
  });

  it("rejects unknown fields and names them", async () => {
    const response = await platform.call("POST", eventsPath, {
      body: { eventType: "a.b", payload: {}, channel: "x" },
    });
    await expectProblem(response, 400, /channel/);
    expect(response.body.errors[0].path).toBe("body");
  });

  it("rejects missing and mistyped fields, naming each", async () => {
    const missing = await platform.call("POST", eventsPath, { body: { payload: {} } });
    await expectProblem(missing, 400, /body\.eventType/);
    const typed = await platform.call("POST", eventsPath, { body: { eventType: 42, payload: {} } });
    await expectProblem(typed, 400, /body\.eventType/);
    const spaced = await platform.call("POST", eventsPath, { body: { eventType: "has space", payload: {} } });
    await expectProblem(spaced, 400, /body\.eventType/);
    const noPayload = await platform.call("POST", eventsPath, { body: { eventType: "a.b" } });
    await expectProblem(noPayload, 400, /payload/);
  });

  it("answers 413 for a payload over the configured limit, and for a body over the request limit", async () => {
    const before = await eventCount();
    const big = "x".repeat(platform.config.maxPayloadBytes + 10);
    await expectProblem(
      await platform.call("POST", eventsPath, { body: { eventType: "a.b", payload: { big } } }),
      413,
      /limit is 262144 bytes/,
    );
    const huge = "x".repeat(platform.config.maxPayloadBytes * 2);
    await expectProblem(
      await platform.call("POST", eventsPath, { body: { eventType: "a.b", payload: { huge } } }),
      413,
    );
    expect(await eventCount()).toBe(before);
  });

  it("rejects an Idempotency-Key header that disagrees with the body's key", async () => {
    const response = await platform.call("POST", eventsPath, {
      body: { eventType: "a.b", payload: {}, idempotencyKey: "one" },
      headers: { "idempotency-key": "two" },
    });
    await expectProblem(response, 400, /differ/);
  });
});

describe("endpoint input", () => {
  it.each([
    ["not a URL", "not a url"],
    ["an ftp URL", "ftp://example.com/hook"],
    ["a private address", "http://10.0.0.1/hook"],
    ["the metadata address", "http://169.254.169.254/latest/meta-data"],
    ["credentials in the URL", "http://user:pass@127.0.0.1/hook"],
  ])("rejects %s", async (_, url) => {
    await expectProblem(await platform.call("POST", endpointsPath, { body: { url } }), 400);
  });

  it("rejects custom headers that would override what Hookline signs or where it goes", async () => {
    for (const name of ["webhook-signature", "Host", "content-length", "svix-id"]) {
      const response = await platform.call("POST", endpointsPath, {
        body: { url: "http://127.0.0.1:9/h", headers: { [name]: "x" } },
      });
      await expectProblem(response, 400, /cannot be overridden/);
    }
    const crlf = await platform.call("POST", endpointsPath, {
      body: { url: "http://127.0.0.1:9/h", headers: { "x-a": "1\r\nx-b: 2" } },
    });
    await expectProblem(crlf, 400, /line breaks/);
  });

  it("rejects bad retry schedules, secrets and event type filters", async () => {
    const cases = [
      { retrySchedule: ["5 seconds"] },
      { retrySchedule: ["30d"] },
      { secret: "not-a-secret" },
      { secret: `whsec_${Buffer.from("short").toString("base64")}` },
      { eventTypes: ["ok", "not ok"] },
      { headerStyle: "stripe" },
    ];
    for (const extra of cases) {
      await expectProblem(
        await platform.call("POST", endpointsPath, { body: { url: "http://127.0.0.1:9/h", ...extra } }),
        400,
      );
    }
    const list = await platform.call("GET", endpointsPath);
    expect(list.body.data).toEqual([]);
  });

  it("accepts a caller-chosen secret, and never lists secrets", async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const created = await platform.call("POST", endpointsPath, {
      body: { url: "http://127.0.0.1:9/h", secret },
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain("whsec_");
    const fetched = await platform.call("GET", `${endpointsPath}/${created.body.id}/secret`);
    expect(fetched.body.key).toBe(secret);
    const list = await platform.call("GET", endpointsPath);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");
  });
});

describe("paths, queries and methods", () => {
  it("rejects malformed ids and query parameters", async () => {
    await expectProblem(await platform.call("GET", `${eventsPath}/not-an-id`), 400, /params\.eventId/);
    await expectProblem(await platform.call("GET", `${eventsPath}?limit=0`), 400, /query\.limit/);
    await expectProblem(await platform.call("GET", `${eventsPath}?limit=abc`), 400, /query\.limit/);
    await expectProblem(await platform.call("GET", `${eventsPath}?since=yesterday`), 400, /query\.since/);
    await expectProblem(await platform.call("GET", `${eventsPath}?bogus=1`), 400, /bogus/);
    await expectProblem(
      await platform.call("GET", `/v1/applications/${tenant.appId}/deliveries?status=lost`),
      400,
      /query\.status/,
    );
    await expectProblem(await platform.call("GET", "/v1/admin/dead-letters?since=2020-13-45T00:00:00Z"), 400);
  });

  it("answers unknown routes and unknown applications with 404 problem+json", async () => {
    await expectProblem(await platform.call("GET", "/v1/nothing-here"), 404);
    await expectProblem(await platform.call("GET", "/v1/applications/app_missing/events"), 404);
    await expectProblem(await platform.call("PUT", eventsPath, { body: {} }), 404);
  });

  it("answers a duplicate application uid with 409", async () => {
    const first = await platform.call("POST", "/v1/applications", { body: { name: "x", uid: "acme-prod" } });
    expect(first.status).toBe(201);
    await expectProblem(
      await platform.call("POST", "/v1/applications", { body: { name: "y", uid: "acme-prod" } }),
      409,
    );
    const byUid = await platform.call("GET", "/v1/applications/acme-prod");
    expect(byUid.body.id).toBe(first.body.id);
  });
});
