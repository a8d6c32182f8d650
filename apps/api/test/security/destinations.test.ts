// The SSRF guard through the API and the worker: hostile endpoint URLs are refused at registration
// and on update with a 400 that says why, and a name that rebinds to loopback after registration
// never gets a connection. The platforms here do NOT allow 127.0.0.0/8 (unlike other tests).
import { isIP } from "node:net";
import type { Resolver } from "@hookline/core";
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PUBLIC = "93.184.216.34";

/** A DNS of our own whose answers a test can change, as a hostile authoritative server would. */
function scriptedDns(initial: Record<string, string[]>) {
  const answers = new Map(Object.entries(initial));
  const resolver: Resolver = async (hostname) => {
    const found = answers.get(hostname);
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return found.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
  };
  return { resolver, answers };
}

const dns = scriptedDns({
  "public.test": [PUBLIC],
  "loopback.test": ["127.0.0.1"],
  "private.test": ["10.1.2.3"],
  "metadata.test": ["169.254.169.254"],
  "v6-loopback.test": ["::1"],
  "mixed.test": [PUBLIC, "127.0.0.1"],
  "ula.test": ["fd12:3456::1"],
  "mapped.test": ["::ffff:10.0.0.1"],
});

/** [hostile URL, what the refusal must say]. */
const HOSTILE: [string, RegExp][] = [
  ["http://127.0.0.1/", /127\.0\.0\.1 is a loopback address/],
  ["http://127.1/", /host 127\.0\.0\.1 is a loopback/],
  ["http://2130706433/", /host 127\.0\.0\.1 is a loopback/],
  ["http://0x7f000001/", /host 127\.0\.0\.1 is a loopback/],
  ["http://0177.0.0.1/", /host 127\.0\.0\.1 is a loopback/],
  ["http://0x7f.0.0.1/", /host 127\.0\.0\.1 is a loopback/],
  ["http://１２７．０．０．１/", /host 127\.0\.0\.1 is a loopback/],
  ["http://127.0.0.1:6379/", /host 127\.0\.0\.1 is a loopback/],
  ["http://[::1]/", /host ::1 is a loopback/],
  ["http://[::ffff:127.0.0.1]/", /IPv4-mapped.*loopback/],
  ["http://[0:0:0:0:0:ffff:7f00:1]/", /IPv4-mapped.*loopback/],
  ["http://[64:ff9b::7f00:1]/", /NAT64.*loopback/],
  ["http://0.0.0.0/", /unspecified/],
  ["http://0/", /unspecified/],
  ["http://[::]/", /unspecified/],
  ["http://10.0.0.1/", /private address/],
  ["http://172.16.5.4/", /private address/],
  ["http://192.168.1.1/", /private address/],
  ["http://100.64.0.1/", /carrier-grade NAT/],
  ["http://169.254.169.254/latest/meta-data/", /metadata/],
  ["http://[fd00:ec2::254]/", /metadata/],
  ["http://169.254.1.1/", /link-local/],
  ["http://[fe80::1]/", /link-local/],
  ["http://224.0.0.1/", /multicast/],
  ["http://[ff02::1]/", /multicast/],
  ["http://255.255.255.255/", /broadcast/],
  ["http://localhost/", /name for this machine/],
  ["http://LOCALHOST./", /host localhost is a name for this machine/],
  ["http://api.localhost/", /\.localhost/],
  ["http://metadata.google.internal/computeMetadata/v1/", /\.internal/],
  ["http://metadata/", /single-label/],
  ["http://printer.local/", /\.local\b/],
  ["http://router.home.arpa/", /home\.arpa/],
  ["http://evil.example@127.0.0.1/", /credentials/],
  ["http://user:pass@public.test/", /credentials/],
  ["ftp://public.test/", /only http and https/i],
  ["file:///etc/passwd", /only http and https/i],
  ["gopher://127.0.0.1:6379/_FLUSHALL", /only http and https/i],
  ["javascript:alert(1)", /only http and https/i],
  ["not a url", /not a valid absolute URL/],
  ["//public.test/relative", /not a valid absolute URL/],
  ["http://loopback.test/", /loopback\.test resolves to 127\.0\.0\.1, a loopback address/],
  ["http://private.test/", /resolves to 10\.1\.2\.3, a private address/],
  ["http://metadata.test/", /resolves to 169\.254\.169\.254, a cloud metadata/],
  ["http://v6-loopback.test/", /resolves to ::1, a loopback/],
  ["http://mixed.test/", /resolves to 127\.0\.0\.1/],
  ["http://ula.test/", /unique local/],
  ["http://mapped.test/", /IPv4-mapped.*private/],
  ["http://nowhere.test/", /could not be resolved \(ENOTFOUND\)/],
];

function expectRefusal(
  response: { status: number; headers: Headers; body: { detail?: unknown; errors?: unknown } },
  reason: RegExp,
  url: string,
) {
  expect(response.status, `${url}: ${JSON.stringify(response.body)}`).toBe(400);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(response.body, url).toMatchObject({
    type: "/problems/invalid-request",
    status: 400,
    title: expect.any(String),
  });
  expect(response.body.detail, url).toMatch(reason);
  expect(response.body.errors, url).toEqual([{ path: "body.url", message: response.body.detail }]);
}

describe("hostile endpoint URLs (no allow-list)", () => {
  let platform: Platform;
  let tenant: Awaited<ReturnType<Platform["createTenant"]>>;
  let base: string;

  beforeAll(async () => {
    platform = await startPlatform({
      worker: false,
      env: { HOOKLINE_ALLOWED_DESTINATIONS: "" },
      resolver: dns.resolver,
    });
    tenant = await platform.createTenant();
    base = `/v1/applications/${tenant.appId}/endpoints`;
  });
  afterAll(async () => {
    await platform?.close();
  });

  it(`refuses all ${HOSTILE.length} spellings at registration, naming the reason, and stores none`, async () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(30);
    for (const [url, reason] of HOSTILE) {
      expectRefusal(
        await platform.call("POST", base, { key: tenant.partnerKey, body: { url } }),
        reason,
        url,
      );
    }
    const list = await platform.call("GET", base, { key: tenant.partnerKey });
    expect(list.body.data).toEqual([]);
  });

  it("refuses all of them on update too, leaving the endpoint's URL unchanged", async () => {
    const created = await platform.call("POST", base, {
      key: tenant.partnerKey,
      body: { url: "https://public.test/hook" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    for (const [url, reason] of HOSTILE) {
      const response = await platform.call("PATCH", `${base}/${created.body.id}`, {
        key: tenant.partnerKey,
        body: { url },
      });
      expectRefusal(response, reason, url);
    }
    const after = await platform.call("GET", `${base}/${created.body.id}`, { key: tenant.partnerKey });
    expect(after.body.url).toBe("https://public.test/hook");
  });
});

describe("DNS rebinding", () => {
  let receiver: Receiver;
  let port: string;
  const rebinding = scriptedDns({});

  beforeAll(async () => {
    receiver = await startReceiver();
    port = new URL(receiver.url).port;
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function deliveryOf(platform: Platform, appId: string, eventId: string) {
    const event = await platform.call("GET", `/v1/applications/${appId}/events/${eventId}`);
    const [delivery] = event.body.deliveries;
    const full = await platform.call("GET", `/v1/applications/${appId}/deliveries/${delivery.id}`);
    return full.body;
  }

  it("never connects to a name that answered public at registration and loopback at delivery", async () => {
    const platform = await startPlatform({
      env: { HOOKLINE_ALLOWED_DESTINATIONS: "", HOOKLINE_RETRY_SCHEDULE: "100ms,100ms" },
      resolver: rebinding.resolver,
    });
    try {
      const tenant = await platform.createTenant();
      rebinding.answers.set("rebind.test", [PUBLIC]);
      const endpoint = await platform.call("POST", `/v1/applications/${tenant.appId}/endpoints`, {
        key: tenant.partnerKey,
        body: { url: `http://rebind.test:${port}/rebound` },
      });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);

      // The attacker's DNS now points the name at the platform's own machine, where something listens.
      rebinding.answers.set("rebind.test", ["127.0.0.1"]);
      const event = await platform.call("POST", `/v1/applications/${tenant.appId}/events`, {
        key: tenant.producerKey,
        body: { eventType: "rebind.attempt", payload: { steal: "metadata" } },
      });
      expect(event.status).toBe(202);

      const delivery = await waitFor(
        async () => {
          const found = await deliveryOf(platform, tenant.appId, event.body.id);
          return found.attempts.length >= 3 && found;
        },
        { what: "every attempt to be recorded" },
      );
      for (const attempt of delivery.attempts) {
        expect(attempt.errorClass).toBe("blocked-destination");
        expect(attempt.statusCode).toBeNull();
        expect(attempt.errorMessage).toMatch(/rebind\.test resolves to 127\.0\.0\.1, a loopback address/);
      }
      expect(receiver.requests.filter((request) => request.path === "/rebound")).toEqual([]);
    } finally {
      await platform.close();
    }
  });

  it("control: the same receiver is reached through an allow-listed name resolving to it", async () => {
    const platform = await startPlatform({
      env: { HOOKLINE_ALLOWED_DESTINATIONS: "allowed.test" },
      resolver: rebinding.resolver,
    });
    try {
      rebinding.answers.set("allowed.test", ["127.0.0.1"]);
      const tenant = await platform.createTenant();
      const endpoint = await platform.call("POST", `/v1/applications/${tenant.appId}/endpoints`, {
        key: tenant.partnerKey,
        body: { url: `http://allowed.test:${port}/allowed` },
      });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
      const event = await platform.call("POST", `/v1/applications/${tenant.appId}/events`, {
        key: tenant.producerKey,
        body: { eventType: "allowed.delivery", payload: {} },
      });
      await waitFor(() => receiver.requests.some((request) => request.path === "/allowed"), {
        what: "the delivery through the allow-listed name",
      });
      const delivery = await waitFor(async () => {
        const found = await deliveryOf(platform, tenant.appId, event.body.id);
        return found.status === "succeeded" && found;
      });
      expect(delivery.attempts[0].errorClass).toBeNull();
    } finally {
      await platform.close();
    }
  });
});
