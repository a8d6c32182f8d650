// Property-based: random and malformed requests at every operation of the live OpenAPI description,
// with every kind of key. Whatever arrives, the API answers below 500, and every error is
// problem+json with type, title, status and detail.
import { newId } from "@hookline/core";
import { type Platform, startPlatform } from "@hookline/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** Requests per operation: ~30 operations × this ≈ 30 s on the shared 2-core machine. */
const RUNS_PER_OPERATION = 150;

type Operation = {
  method: string;
  path: string;
  operationId: string;
  queryNames: string[];
  bodyNames: string[];
};

type FuzzRequest = {
  key: string | undefined;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
};

let platform: Platform;
let operations: Operation[];
const pools: Record<string, string[]> = {};
const keys: Record<string, string> = {};

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
  const a = await platform.createTenant("fuzz-a");
  const b = await platform.createTenant("fuzz-b");
  Object.assign(keys, {
    admin: platform.adminKey,
    producer: a.producerKey,
    partner: a.partnerKey,
    foreignPartner: b.partnerKey,
  });
  const endpoint = await platform.call("POST", `/v1/applications/${a.appId}/endpoints`, {
    body: { url: "http://127.0.0.1:9/fuzz" },
  });
  const event = await platform.call("POST", `/v1/applications/${a.appId}/events`, {
    body: { eventType: "fuzz.seed", payload: { seeded: true } },
  });
  // A key of its own to revoke: revoking one the fuzzer uses would turn the rest into 401s.
  const disposable = await platform.call("POST", "/v1/keys", { body: { role: "producer" } });
  Object.assign(pools, {
    appId: [a.appId, b.appId, "fuzz-uid-missing"],
    endpointId: [endpoint.body.id, newId("endpoint")],
    eventId: [event.body.id, newId("event")],
    deliveryId: [event.body.deliveries[0].id, newId("delivery")],
    deadLetterId: [newId("deadLetter")],
    keyId: [disposable.body.id, newId("apiKey")],
  });

  const document = await platform.call("GET", "/openapi.json", { key: "" });
  type RawOperation = {
    operationId: string;
    parameters?: { in: string; name: string }[];
    requestBody?: { content: Record<string, { schema: { properties?: object; $ref?: string } }> };
  };
  const schemas = (document.body.components?.schemas ?? {}) as Record<string, { properties?: object }>;
  operations = Object.entries(document.body.paths as Record<string, Record<string, RawOperation>>).flatMap(
    ([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => {
        const schema = operation.requestBody?.content["application/json"]?.schema;
        const resolved = schema?.$ref ? schemas[schema.$ref.split("/").at(-1) ?? ""] : schema;
        return {
          method: method.toUpperCase(),
          path,
          operationId: operation.operationId,
          queryNames: (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
          bodyNames: Object.keys(resolved?.properties ?? {}),
        };
      }),
  );
});
afterAll(async () => {
  await platform?.close();
});

// --- generators -----------------------------------------------------------------------------------

const hugeString = fc.nat({ max: 300 * 1024 }).map((length) => "x".repeat(length));
const nasty = fc.constantFrom(
  "",
  " ",
  "null",
  "../../etc/passwd",
  "%00",
  "%ZZ",
  "\u0000",
  "😀",
  "ǅ\u202e",
  "app_",
  "ep_0000000000000000000000000",
  "__proto__",
  "constructor",
  "-1",
  "1e309",
  "NaN",
  "2026-13-45T25:61:00Z",
  "' or 1=1 --",
  "<script>",
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 40 }), nasty);

/** Nested arrays and objects far deeper than any schema expects. */
const deep = fc
  .integer({ min: 50, max: 5000 })
  .chain((depth) =>
    fc.constantFrom(
      `${"[".repeat(depth)}${"]".repeat(depth)}`,
      `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
    ),
  );

/** Values a field might hold: valid ones (so requests pass validation and go deeper) and nearly
 * valid ones. Unknown fields get neither. */
function plausible(name: string): { good: unknown[]; bad: unknown[] } {
  const byName: Record<string, { good: unknown[]; bad: unknown[] }> = {
    url: {
      good: ["http://127.0.0.1:9/fuzz", "https://127.0.0.2/hook?x=1"],
      bad: ["http://169.254.169.254/", "ftp://x"],
    },
    eventType: { good: ["invoice.paid", "a:b-c_d"], bad: ["a".repeat(300), "bad type!"] },
    eventTypes: { good: [["invoice.paid"], []], bad: [["bad type!"], "invoice.paid"] },
    payload: { good: [{}, { a: 1 }, null, "text", [1, { b: [true] }]], bad: [] },
    role: { good: ["admin", "producer", "partner"], bad: ["root"] },
    applicationId: { good: pools.appId?.slice(0, 2) ?? [], bad: ["app_missing"] },
    endpointId: { good: pools.endpointId ?? [], bad: ["ep_x"] },
    name: { good: ["fuzz", "ünïcødé 😀"], bad: ["", "n".repeat(300)] },
    description: { good: ["fuzz"], bad: ["d".repeat(2000)] },
    uid: { good: ["fuzz-uid"], bad: ["app_x", "has space"] },
    key: { good: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], bad: ["whsec_short", "nope"] },
    headers: {
      good: [{ "x-ok": "1" }, {}],
      bad: [{ "webhook-signature": "x" }, { "bad name": "v" }, { x: "a\r\nb" }],
    },
    retrySchedule: { good: [["5s", "1m"], null], bad: [["forever"], ["8d"]] },
    headerStyle: { good: ["standard", "svix"], bad: ["other"] },
    idempotencyKey: { good: ["k1"], bad: ["", "k".repeat(300)] },
    dryRun: { good: [true, false], bad: ["yes"] },
    disabled: { good: [true, false], bad: ["no"] },
    since: { good: ["2020-01-01T00:00:00Z"], bad: ["yesterday", "2026-13-45T25:61:00Z"] },
    until: { good: ["2030-01-01T00:00:00Z"], bad: ["tomorrow"] },
    status: { good: ["pending", "succeeded"], bad: ["nope"] },
    events: { good: [[{ eventType: "a.b", payload: {} }]], bad: [[], [{}], "x"] },
  };
  return byName[name] ?? { good: [], bad: [] };
}

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 2 ** 53 + 1, [], {}) },
);

const OMITTED = Symbol("omitted");

function fieldValue(name: string): fc.Arbitrary<unknown> {
  const { good, bad } = plausible(name);
  const choices: fc.WeightedArbitrary<unknown>[] = [
    { weight: 1, arbitrary: anyJson },
    { weight: 1, arbitrary: fc.constant(OMITTED) },
  ];
  if (good.length > 0) choices.push({ weight: 8, arbitrary: fc.constantFrom(...good) });
  if (name === "payload") choices.push({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 6 }) });
  if (bad.length > 0) choices.push({ weight: 1, arbitrary: fc.constantFrom(...bad) });
  return fc.oneof(...choices);
}

/** An object with the operation's own fields, each mostly valid, sometimes wrong or missing. */
function shapedBody(operation: Operation): fc.Arbitrary<string> {
  const names = operation.bodyNames.length > 0 ? operation.bodyNames : ["x"];
  return fc
    .tuple(
      fc.tuple(...names.map(fieldValue)),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.dictionary(text, anyJson, { maxKeys: 2 }) },
      ),
    )
    .map(([values, extra]) => {
      const object: Record<string, unknown> = { ...extra };
      names.forEach((name, i) => {
        if (values[i] !== OMITTED) object[name] = values[i];
      });
      return JSON.stringify(object);
    });
}

function bodyFor(operation: Operation): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: shapedBody(operation) },
    { weight: 2, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
    {
      weight: 1,
      arbitrary: hugeString.map((big) => JSON.stringify({ eventType: "a.b", payload: big, name: big })),
    },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: deep.map((nested) => `{"eventType":"a.b","payload":${nested}}`) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...operation.bodyNames, "payload")
        .map((name) =>
          JSON.stringify({ eventType: "a.b", payload: { s: "\u0000" }, [name]: "nul\u0000here" }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{"a":', "{'a': 1}", "\u0000", "[1,]", "1e999999", '"\\ud800"', ""),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

function pathFor(operation: Operation): fc.Arbitrary<string> {
  const names = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const values = names.map((name) =>
    fc.oneof(
      // Mostly the first pool entry (it exists and belongs to the keys' application), so requests
      // get past the lookup; sometimes another application's or one that does not exist.
      { weight: 8, arbitrary: fc.constant(pools[name]?.[0] ?? "x") },
      { weight: 2, arbitrary: fc.constantFrom(...(pools[name] ?? ["x"])) },
      { weight: 1, arbitrary: text.map((value) => encodeURIComponent(value)) },
      { weight: 1, arbitrary: nasty },
    ),
  );
  return fc.tuple(...values).map((chosen) => {
    let index = 0;
    return operation.path.replace(/\{(\w+)\}/g, () => {
      const value = chosen[index++] as string;
      // A value that would change the path's shape is sent percent-encoded.
      return value === "" ? "%20" : value.replace(/[/?#%]/g, (c) => encodeURIComponent(c));
    });
  });
}

function queryFor(operation: Operation): fc.Arbitrary<string> {
  const encode = (pairs: [string, unknown][]) =>
    pairs.length === 0
      ? ""
      : `?${pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`).join("&")}`;
  const own = operation.queryNames.map((name) => {
    const { good, bad } = plausible(name);
    const values = [...good, ...bad].filter((value) => typeof value !== "object");
    return fc.tuple(
      fc.constant(name),
      values.length > 0
        ? fc.oneof(fc.constantFrom(...values), text)
        : fc.oneof(fc.constantFrom("1", "50", "250"), text),
    );
  });
  const names = [...operation.queryNames, "limit", "cursor", "unknown", "__proto__[x]", "a[b][c]"];
  const anyPair = fc.tuple(
    fc.oneof(fc.constantFrom(...names), text),
    fc.oneof(text, fc.constantFrom("0", "-5", "251", "1.5", "abc", "50")),
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant("") },
    ...(own.length > 0
      ? [
          {
            weight: 4,
            arbitrary: fc
              .subarray(own)
              .chain((chosen) => fc.tuple(...chosen))
              .map(encode),
          },
        ]
      : []),
    { weight: 2, arbitrary: fc.array(anyPair, { maxLength: 4 }).map(encode) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("?limit=5&limit=6", "?%", "?&&=&", "?limit", "?cursor=%E0%A4%A"),
    },
  );
}

const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom("", "application/json; charset=utf-16", "gzip", "*/*"),
);
/** Mostly what a client sends; sometimes every header it should not. */
const headers = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      { "content-type": fc.constant("application/json"), "idempotency-key": headerValue },
      { requiredKeys: ["content-type"] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        "content-type": fc.constantFrom(
          "application/json; charset=utf-8",
          "application/json; charset=latin1",
          "application/json; charset=utf-16",
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/problem+json",
        ),
        "content-encoding": fc.constantFrom("gzip", "deflate", "br", "identity", "bogus"),
        "idempotency-key": headerValue,
        accept: fc.constantFrom("application/json", "text/event-stream", "*/*", "text/html"),
        "last-event-id": headerValue,
        "x-random": headerValue,
      },
      { requiredKeys: [] },
    ),
  },
) as fc.Arbitrary<Record<string, string>>;

const keyChoice = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .constantFrom("admin", "admin", "admin", "producer", "partner", "foreignPartner")
      .map((role) => ({ role, header: `Bearer ${keys[role]}` })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(
        undefined,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "bearer hk_admin_not-a-real-key",
        `Bearer ${"k".repeat(4000)}`,
        "Bearer a b",
      )
      .map((header) => ({ role: "garbage", header })),
  },
);

function requestFor(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const anything = fc
    .record({
      key: keyChoice,
      path: pathFor(operation),
      query: queryFor(operation),
      headers,
      body: bodyFor(operation),
    })
    .map(({ key, ...rest }) => ({ ...rest, key: key.header }));
  // Half the requests are well-formed but for their body's values, so they reach the handlers, the
  // queries and the database rather than bouncing off authentication and routing.
  const nearlyValid = fc.record({
    key: fc.constant(`Bearer ${keys.admin}`),
    path: fc.constant(operation.path.replace(/\{(\w+)\}/g, (_, name: string) => pools[name]?.[0] ?? "x")),
    query: fc.oneof(fc.constant(""), queryFor(operation)),
    headers: fc.constant({ "content-type": "application/json" }),
    body: shapedBody(operation),
  });
  return fc.oneof(anything, nearlyValid);
}

// --- the property ---------------------------------------------------------------------------------

async function send(operation: Operation, request: FuzzRequest) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const response = await fetch(`${platform.url}${request.path}${request.query}`, {
      method: operation.method,
      headers: {
        ...request.headers,
        ...(request.key === undefined ? {} : { authorization: request.key }),
      },
      body: operation.method === "GET" || operation.method === "DELETE" ? undefined : request.body,
      signal: controller.signal,
    });
    const type = response.headers.get("content-type") ?? "";
    // A stream that opened (a valid request for it) stays open: its status is all that matters.
    const text = type.startsWith("text/event-stream") ? "" : await response.text();
    if (type.startsWith("text/event-stream")) await response.body?.cancel();
    return { status: response.status, type, text };
  } finally {
    clearTimeout(timer);
  }
}

function checkAnswer(answer: { status: number; type: string; text: string }): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.text.slice(0, 300)}`;
  if (answer.status < 400) return undefined;
  if (!answer.type.startsWith("application/problem+json"))
    return `${answer.status} with content-type ${answer.type}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`;
  }
  for (const field of ["type", "title", "detail"]) {
    if (typeof body[field] !== "string")
      return `${answer.status} problem without ${field}: ${answer.text.slice(0, 200)}`;
  }
  if (body.status !== answer.status)
    return `problem status ${body.status} differs from HTTP ${answer.status}`;
  return undefined;
}

describe("fuzzing every operation", () => {
  it("never answers 5xx, and every error is problem+json with type, title, status and detail", {
    timeout: 180_000,
  }, async () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const statuses = new Map<number, number>();
    const succeeded = new Set<string>();
    // Deletions last: they remove what the other operations' requests look up.
    const ordered = [...operations].sort(
      (x, y) => Number(x.method === "DELETE") - Number(y.method === "DELETE"),
    );
    for (const operation of ordered) {
      await fc.assert(
        fc.asyncProperty(requestFor(operation), async (request) => {
          const answer = await send(operation, request);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status < 300) succeeded.add(operation.operationId);
          const problem = checkAnswer(answer);
          if (problem)
            throw new Error(`${operation.operationId} ${request.path}${request.query}: ${problem}`);
        }),
        { numRuns: RUNS_PER_OPERATION },
      );
    }
    // The requests got past authentication, routing and validation into the handlers of most
    // operations (not all can succeed: replaying a dead letter needs one), and met every refusal.
    expect(succeeded.size).toBeGreaterThanOrEqual(Math.ceil((operations.length * 2) / 3));
    for (const status of [400, 401, 403, 404, 413, 415])
      expect(statuses.get(status) ?? 0, `${status}`).toBeGreaterThan(0);
  });

  it("answers unknown paths and methods with 404/405 problem+json, never 5xx", async () => {
    const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    const segment = fc.oneof(
      text.map(encodeURIComponent),
      fc.constantFrom("v1", "applications", "..", "%2e%2e", ""),
    );
    await fc.assert(
      fc.asyncProperty(method, fc.array(segment, { maxLength: 6 }), async (verb, segments) => {
        const path = `/${segments.join("/")}`;
        const response = await fetch(`${platform.url}${path}`, {
          method: verb,
          headers: { authorization: `Bearer ${keys.admin}` },
        });
        const answer = {
          status: response.status,
          type: response.headers.get("content-type") ?? "",
          text: await response.text(),
        };
        const problem = checkAnswer(answer);
        if (problem) throw new Error(`${verb} ${path}: ${problem}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe("inputs only the database can refuse", () => {
  it.each([
    ["a NUL in an application id", "GET", "/v1/applications/%00/deliveries", undefined],
    ["a NUL in an application name", "POST", "/v1/applications", { name: "nul\u0000here" }],
    ["a null event payload", "POST", "/v1/applications/{appId}/events", { eventType: "a.b", payload: null }],
    [
      "a \\u0000 in an event payload",
      "POST",
      "/v1/applications/{appId}/events",
      { eventType: "a.b", payload: { s: "\u0000" } },
    ],
    ["an event payload nested 5000 deep", "POST", "/v1/applications/{appId}/events", "deep"],
    [
      "a NUL in an endpoint description",
      "POST",
      "/v1/applications/{appId}/endpoints",
      { url: "http://127.0.0.1:9/", description: "\u0000" },
    ],
  ])("answers %s with 400 problem+json", async (_what, method, path, body) => {
    const appId = pools.appId?.[0] as string;
    const raw =
      body === "deep"
        ? `{"eventType":"a.b","payload":${"[".repeat(5000)}${"]".repeat(5000)}}`
        : body === undefined
          ? undefined
          : JSON.stringify(body);
    const response = await platform.call(method, path.replace("{appId}", appId), { rawBody: raw });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body).toMatchObject({ type: "/problems/invalid-request", status: 400 });
  });
});
