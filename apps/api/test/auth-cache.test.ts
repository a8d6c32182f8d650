// The API key cache: a found key is trusted for HOOKLINE_AUTH_CACHE_TTL, so revocation takes effect
// within that time on every instance; new keys work at once; 0 turns the cache off.
import { type Platform, startPlatform, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let cached: Platform;
let uncached: Platform;

beforeAll(async () => {
  [cached, uncached] = await Promise.all([
    startPlatform({ worker: false, env: { HOOKLINE_AUTH_CACHE_TTL: "500ms" } }),
    startPlatform({ worker: false, env: { HOOKLINE_AUTH_CACHE_TTL: "0s" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([cached?.close(), uncached?.close()]);
});

async function producerKey(platform: Platform) {
  const app = await platform.call("POST", "/v1/applications", { body: { name: "cache" } });
  const key = await platform.call("POST", "/v1/keys", {
    body: { role: "producer", applicationId: app.body.id },
  });
  return { appId: app.body.id as string, keyId: key.body.id as string, key: key.body.key as string };
}

const listEvents = (platform: Platform, appId: string, key: string) =>
  platform.call("GET", `/v1/applications/${appId}/events`, { key });

describe("API key cache", () => {
  it("stops accepting a revoked key once the cache TTL has passed", async () => {
    const { appId, keyId, key } = await producerKey(cached);
    expect((await listEvents(cached, appId, key)).status).toBe(200);
    expect((await cached.call("DELETE", `/v1/keys/${keyId}`)).status).toBe(204);
    await waitFor(async () => (await listEvents(cached, appId, key)).status === 401, {
      what: "the revoked key to be refused",
      timeoutMs: 5_000,
    });
  });

  it("accepts a key created after an unknown-key answer: refusals are not cached", async () => {
    expect((await listEvents(cached, "app_unknown", "hk_producer_not-yet-a-key")).status).toBe(401);
    const { appId, key } = await producerKey(cached);
    expect((await listEvents(cached, appId, key)).status).toBe(200);
  });

  it("refuses a revoked key at once when the cache is off", async () => {
    const { appId, keyId, key } = await producerKey(uncached);
    expect((await listEvents(uncached, appId, key)).status).toBe(200);
    await uncached.call("DELETE", `/v1/keys/${keyId}`);
    expect((await listEvents(uncached, appId, key)).status).toBe(401);
  });
});
