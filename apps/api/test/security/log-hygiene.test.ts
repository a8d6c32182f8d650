// The logs of a full flow at debug level (keys, endpoints, secret rotation, events, deliveries that
// succeed and fail, refused requests, a browser stream token) hold no API key, no endpoint secret,
// no stream token and no Authorization header value.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;
let receiver: Receiver;
const directory = mkdtempSync(join(tmpdir(), "hookline-logs-"));
const logFile = join(directory, "platform.log");

beforeAll(async () => {
  platform = await startPlatform({
    env: { LOG_LEVEL: "debug", HOOKLINE_RETRY_SCHEDULE: "50ms,50ms" },
    logDestination: pino.destination({ dest: logFile, sync: true }),
  });
  receiver = await startReceiver((request) =>
    request.path === "/fails" ? { status: 500, body: "receiver error" } : { status: 204 },
  );
});
afterAll(async () => {
  await receiver?.close();
  await platform?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe("log hygiene", () => {
  it("logs a full flow at debug level without a single credential", async () => {
    const credentials: string[] = [platform.adminKey];
    const { appId, partnerKey, producerKey } = await platform.createTenant("logged");
    credentials.push(partnerKey, producerKey);
    const minted = await platform.call("POST", "/v1/keys", { body: { role: "producer", name: "minted" } });
    credentials.push(minted.body.key);

    const base = `/v1/applications/${appId}/endpoints`;
    const chosen = "whsec_c2VjcmV0IGNob3NlbiBieSB0aGUgcGFydG5lciBmb3IgbG9ncw==";
    credentials.push(chosen);
    const ok = await platform.call("POST", base, {
      key: partnerKey,
      body: { url: `${receiver.url}/ok`, secret: chosen, headers: { "x-tenant": "logged" } },
    });
    const failing = await platform.call("POST", base, {
      key: partnerKey,
      body: { url: `${receiver.url}/fails`, headerStyle: "svix" },
    });
    expect([ok.status, failing.status]).toEqual([201, 201]);
    credentials.push(
      (await platform.call("GET", `${base}/${failing.body.id}/secret`, { key: partnerKey })).body.key,
    );
    const rotated = await platform.call("POST", `${base}/${failing.body.id}/secret/rotate`, {
      key: partnerKey,
      body: {},
    });
    credentials.push(rotated.body.key);

    for (let n = 0; n < 3; n++) {
      const event = await platform.call("POST", `/v1/applications/${appId}/events`, {
        key: producerKey,
        body: { eventType: "flow.step", payload: { n } },
        headers: { "idempotency-key": `step-${n}` },
      });
      expect(event.status).toBe(202);
    }
    await platform.call("POST", `${base}/${ok.body.id}/test`, { key: partnerKey });
    await waitFor(() => receiver.requests.filter((r) => r.path === "/ok").length >= 4, {
      what: "deliveries",
    });
    await waitFor(
      async () => {
        const dead = await platform.call("GET", `/v1/admin/dead-letters?applicationId=${appId}`);
        return dead.body.data.length >= 3;
      },
      { what: "the failing endpoint's deliveries to be dead-lettered" },
    );

    // Refusals: a revoked key, a wrong key, a forbidden role, a bad body.
    const revoked = await platform.call("POST", "/v1/keys", { body: { role: "admin" } });
    credentials.push(revoked.body.key);
    await platform.call("DELETE", `/v1/keys/${revoked.body.id}`);
    expect((await platform.call("GET", "/v1/applications", { key: revoked.body.key })).status).toBe(401);
    const forged = "hk_admin_forgedKeyThatDoesNotExist000000000";
    credentials.push(forged);
    expect((await platform.call("GET", "/v1/applications", { key: forged })).status).toBe(401);
    expect((await platform.call("GET", "/v1/keys", { key: partnerKey })).status).toBe(403);
    expect(
      (await platform.call("POST", base, { key: partnerKey, rawBody: `{"url": "${chosen}` })).status,
    ).toBe(400);
    // Someone pasting a key into the query string, and a browser stream with a token in the URL.
    await platform.call("GET", `/v1/applications?api_key=${producerKey}`, { key: "" });
    const token = await platform.call("POST", `/v1/applications/${appId}/stream-tokens`, { key: partnerKey });
    expect(token.status).toBe(201);
    credentials.push(token.body.token);
    const stream = await fetch(`${platform.url}/v1/applications/${appId}/stream?token=${token.body.token}`);
    expect(stream.status).toBe(200);
    await stream.body?.cancel();

    await platform.stopWorker();
    const log = readFileSync(logFile, "utf8");
    const lines = log.split("\n").filter(Boolean);
    // The log is real: request lines at debug level, worker lines, and the refusals.
    expect(lines.length).toBeGreaterThan(30);
    expect(log).toContain('"level":20');
    expect(log).toContain("/stream?token=[redacted]");
    expect(log).toContain("api_key=[redacted]");
    expect(log).toMatch(/"authorization":"\[redacted\]"/);

    for (const credential of credentials) {
      expect(log.includes(credential), `the log contains ${credential.slice(0, 12)}…`).toBe(false);
      // The random part after the known prefix (base64url bodies may themselves contain "_").
      const body = credential.replace(/^(hk_(admin|prod|part)_|whsec_)/, "");
      expect(body.length, "a credential body long enough not to occur by chance").toBeGreaterThanOrEqual(16);
      expect(log.includes(body), `the log contains the body of ${credential.slice(0, 12)}…`).toBe(false);
    }
    expect(log).not.toContain("whsec_");
    // `www-authenticate: Bearer realm="hookline"` is the only Bearer allowed: a challenge, not a key.
    expect(log).not.toMatch(/Bearer\s+(?!realm=)\S/);
    expect(log).not.toMatch(/"authorization":"(?!\[redacted\])/i);
  });
});
