// What an attacker with a database dump gets: no endpoint secret (current, previous or chosen by
// the partner) and no API key; and what the API lets slip: secrets only where asked for.
import { execFile } from "node:child_process";
import { type Platform, startPlatform } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
});
afterAll(async () => {
  await platform?.close();
});

function pgDump(table: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "pg_dump",
      ["--data-only", `--table=${table}`, platform.config.databaseUrl],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

/** The forms a secret could leak in: as given, its base64 body, and its bytes in hex. */
function formsOf(secret: string): string[] {
  const body = secret.replace(/^whsec_/, "");
  return [secret, body, Buffer.from(body, "base64").toString("hex")];
}

describe("secrets at rest", () => {
  it("a pg_dump of endpoints holds no secret, and one of api_keys holds no key", async () => {
    const tenant = await platform.createTenant();
    const base = `/v1/applications/${tenant.appId}/endpoints`;
    const chosen = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwPartnerChosen0";
    const secrets: string[] = [chosen];
    const generated = await platform.call("POST", base, {
      key: tenant.partnerKey,
      body: { url: "http://127.0.0.1:9/generated" },
    });
    secrets.push((await platform.call("GET", `${base}/${generated.body.id}/secret`)).body.key);
    const rotated = await platform.call("POST", `${base}/${generated.body.id}/secret/rotate`, { body: {} });
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.key);
    const own = await platform.call("POST", base, {
      key: tenant.partnerKey,
      body: { url: "http://127.0.0.1:9/chosen", secret: chosen },
    });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect((await platform.call("GET", `${base}/${own.body.id}/secret`)).body.key).toBe(chosen);

    const endpointsDump = await pgDump("endpoints");
    expect(endpointsDump).toContain(generated.body.id); // the dump did capture the rows
    expect(endpointsDump).toContain(own.body.id);
    for (const secret of secrets) {
      for (const form of formsOf(secret)) expect(endpointsDump).not.toContain(form);
    }
    expect(endpointsDump).not.toContain("whsec_");

    const keysDump = await pgDump("api_keys");
    for (const key of [platform.adminKey, tenant.partnerKey, tenant.producerKey]) {
      expect(keysDump).not.toContain(key);
      // The random part after the role prefix (which may itself hold underscores: base64url).
      expect(keysDump).not.toContain(key.replace(/^hk_[a-z]+_/, ""));
    }
  });

  it("never returns a secret from lists, single endpoints, events or deliveries, nor echoes one in an error", async () => {
    const tenant = await platform.createTenant();
    const base = `/v1/applications/${tenant.appId}/endpoints`;
    const created = await platform.call("POST", base, { body: { url: "http://127.0.0.1:9/x" } });
    const secret = (await platform.call("GET", `${base}/${created.body.id}/secret`)).body.key as string;
    await platform.call("POST", `${base}/${created.body.id}/secret/rotate`, { body: {} });
    await platform.call("POST", `/v1/applications/${tenant.appId}/events`, {
      body: { eventType: "a.b", payload: { n: 1 } },
    });

    const answers = await Promise.all(
      [
        base,
        `${base}/${created.body.id}`,
        `/v1/applications/${tenant.appId}/events`,
        `/v1/applications/${tenant.appId}/deliveries`,
        "/v1/keys",
      ].map((path) => platform.call("GET", path)),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const text = JSON.stringify(answer.body);
      expect(text).not.toMatch(/"(secret|previousSecret|key)"\s*:/);
      expect(text).not.toContain("whsec_");
      expect(text).not.toContain(secret.replace(/^whsec_/, ""));
    }

    // A refused secret is not repeated back (it might be a real one, pasted in the wrong place).
    const rejected = "whsec_dG9vIHNob3J0IGJ1dCBzZWNyZXQ=";
    const refusal = await platform.call("POST", `${base}/${created.body.id}/secret/rotate`, {
      body: { key: rejected },
    });
    expect(refusal.status).toBe(400);
    expect(JSON.stringify(refusal.body)).not.toContain(rejected.slice("whsec_".length));
  });
});
