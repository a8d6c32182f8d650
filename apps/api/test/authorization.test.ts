// Who may call what: every operation of the live OpenAPI description, with every role, no key,
// a revoked key, and keys bound to another application.
import { newId } from "@hookline/core";
import { type ApiResponse, type Platform, startPlatform } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Operation = { method: string; path: string; operationId: string; roles: string[] };

let platform: Platform;
let operations: Operation[];
let appA: Awaited<ReturnType<Platform["createTenant"]>>;
let appB: Awaited<ReturnType<Platform["createTenant"]>>;
let globalProducerKey: string;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
  appA = await platform.createTenant("A");
  appB = await platform.createTenant("B");
  const producer = await platform.call("POST", "/v1/keys", { body: { role: "producer" } });
  globalProducerKey = producer.body.key;
  const document = await platform.call("GET", "/openapi.json", { key: "" });
  operations = Object.entries(document.body.paths as Record<string, Record<string, Record<string, unknown>>>)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId as string,
        roles: operation["x-hookline-roles"] as string[],
      })),
    )
    .filter((operation) => operation.path.startsWith("/v1/"));
});
afterAll(async () => {
  await platform?.close();
});

/** Fills path parameters: the given application, and well-formed ids that exist nowhere. */
function concrete(path: string, appId: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === "appId") return appId;
    const kind = (
      {
        endpointId: "endpoint",
        eventId: "event",
        deliveryId: "delivery",
        deadLetterId: "deadLetter",
        keyId: "apiKey",
      } as const
    )[name as "endpointId"];
    if (!kind) throw new Error(`unknown path parameter ${name}`);
    return newId(kind);
  });
}

/** Calls an operation; a stream that opens (text/event-stream) is closed as soon as its status is
 * known, since it never ends by itself. */
async function callOperation(method: string, path: string, key: string): Promise<ApiResponse> {
  const controller = new AbortController();
  const response = await fetch(platform.url + path, {
    method,
    headers: key ? { authorization: `Bearer ${key}` } : {},
    signal: controller.signal,
  });
  if (response.headers.get("content-type")?.includes("text/event-stream")) {
    controller.abort();
    return { status: response.status, body: undefined, headers: response.headers };
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

function keyFor(role: string): string {
  return role === "admin" ? platform.adminKey : role === "producer" ? appA.producerKey : appA.partnerKey;
}

async function expectProblem(response: ApiResponse, status: number, what: string) {
  expect(response.status, what).toBe(status);
  expect(response.headers.get("content-type"), what).toContain("application/problem+json");
  expect(response.body, what).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
  });
}

describe("authorization", () => {
  it("covers every v1 operation with a declared list of roles", () => {
    expect(operations.length).toBeGreaterThanOrEqual(23);
    for (const operation of operations) {
      expect(operation.roles.length, operation.operationId).toBeGreaterThan(0);
    }
  });

  it("answers 401 problem+json to every operation without a key, with a malformed header, or a revoked key", async () => {
    const { body: doomed } = await platform.call("POST", "/v1/keys", { body: { role: "admin" } });
    await platform.call("DELETE", `/v1/keys/${doomed.id}`);
    for (const operation of operations) {
      const path = concrete(operation.path, appA.appId);
      await expectProblem(
        await platform.call(operation.method, path, { key: "" }),
        401,
        `${operation.operationId} no key`,
      );
      await expectProblem(
        await platform.call(operation.method, path, { key: "", headers: { authorization: "Basic abc" } }),
        401,
        `${operation.operationId} basic auth`,
      );
      await expectProblem(
        await platform.call(operation.method, path, { key: "hk_admin_not-a-real-key" }),
        401,
        `${operation.operationId} unknown key`,
      );
      await expectProblem(
        await platform.call(operation.method, path, { key: doomed.key }),
        401,
        `${operation.operationId} revoked`,
      );
    }
  });

  for (const role of ["admin", "producer", "partner"]) {
    it(`lets ${role} keys call exactly the operations that list the ${role} role, on their own application`, async () => {
      for (const operation of operations) {
        const response = await callOperation(
          operation.method,
          concrete(operation.path, appA.appId),
          keyFor(role),
        );
        const what = `${role} → ${operation.operationId} (${response.status} ${JSON.stringify(response.body)})`;
        if (operation.roles.includes(role)) {
          expect([401, 403], what).not.toContain(response.status);
          expect(response.status, what).toBeLessThan(500);
        } else {
          await expectProblem(response, 403, what);
        }
      }
    });
  }

  it("answers 404 to a partner or producer of application A for everything of application B", async () => {
    for (const key of [appA.partnerKey, appA.producerKey]) {
      for (const operation of operations.filter((op) => op.path.includes("{appId}"))) {
        const response = await callOperation(operation.method, concrete(operation.path, appB.appId), key);
        await expectProblem(response, 404, `${operation.operationId} on B`);
      }
    }
  });

  it("keeps B's data out of A's partner view even with real ids of B", async () => {
    const endpoint = await platform.call("POST", `/v1/applications/${appB.appId}/endpoints`, {
      key: appB.partnerKey,
      body: { url: "http://127.0.0.1:9/b" },
    });
    const event = await platform.call("POST", `/v1/applications/${appB.appId}/events`, {
      key: appB.producerKey,
      body: { eventType: "b.secret", payload: { b: true } },
    });
    const deliveryId = event.body.deliveries[0].id;
    const probes = [
      `/v1/applications/${appB.appId}/endpoints/${endpoint.body.id}`,
      `/v1/applications/${appB.appId}/endpoints/${endpoint.body.id}/secret`,
      `/v1/applications/${appB.appId}/events/${event.body.id}`,
      `/v1/applications/${appB.appId}/deliveries/${deliveryId}`,
      // B's ids under A's own application path: still nothing.
      `/v1/applications/${appA.appId}/endpoints/${endpoint.body.id}`,
      `/v1/applications/${appA.appId}/events/${event.body.id}`,
      `/v1/applications/${appA.appId}/deliveries/${deliveryId}`,
    ];
    for (const path of probes) {
      await expectProblem(await platform.call("GET", path, { key: appA.partnerKey }), 404, path);
    }
    const list = await platform.call("GET", `/v1/applications/${appA.appId}/deliveries`, {
      key: appA.partnerKey,
    });
    expect(list.body.data).toEqual([]);
  });

  it("lets an unbound producer key send to any application, and never manage endpoints", async () => {
    for (const app of [appA, appB]) {
      const response = await platform.call("POST", `/v1/applications/${app.appId}/events`, {
        key: globalProducerKey,
        body: { eventType: "any.app", payload: {} },
      });
      expect(response.status).toBe(202);
    }
    const endpoint = await platform.call("POST", `/v1/applications/${appA.appId}/endpoints`, {
      key: globalProducerKey,
      body: { url: "http://127.0.0.1:9/x" },
    });
    await expectProblem(endpoint, 403, "producer creating an endpoint");
  });

  it("refuses keys that would escape their scope at creation", async () => {
    const partnerWithoutApp = await platform.call("POST", "/v1/keys", { body: { role: "partner" } });
    await expectProblem(partnerWithoutApp, 400, "partner key without application");
    const boundAdmin = await platform.call("POST", "/v1/keys", {
      body: { role: "admin", applicationId: appA.appId },
    });
    await expectProblem(boundAdmin, 400, "admin key bound to an application");
    const created = await platform.call("POST", "/v1/keys", {
      body: { role: "partner", applicationId: appA.appId },
    });
    expect(created.body.key).toMatch(/^hk_part_/);
    const listed = await platform.call("GET", "/v1/keys?limit=250");
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
  });
});
