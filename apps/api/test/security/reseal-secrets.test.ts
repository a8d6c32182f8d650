// Master-key rotation: `npm run secrets:reseal` re-seals every endpoint secret (current and
// previous) under the new key, in batches, idempotently; afterwards the retired key can go.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { startApi } from "@hookline/api";
import { createLogger, loadConfig, SecretBox } from "@hookline/core";
import { type Platform, startPlatform } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const keyC = randomBytes(32);

let platform: Platform;
/** Endpoint id → its plaintext secrets as the API gave them: [current, previous?]. */
const secrets = new Map<string, string[]>();

beforeAll(async () => {
  platform = await startPlatform({
    worker: false,
    env: { HOOKLINE_ENCRYPTION_KEY: keyA.toString("base64") },
  });
  const tenant = await platform.createTenant();
  const base = `/v1/applications/${tenant.appId}/endpoints`;
  for (let i = 0; i < 5; i++) {
    const created = await platform.call("POST", base, { body: { url: `http://127.0.0.1:9/${i}` } });
    const id = created.body.id as string;
    const first = await platform.call("GET", `${base}/${id}/secret`);
    secrets.set(id, [first.body.key]);
    if (i % 2 === 0) {
      const rotated = await platform.call("POST", `${base}/${id}/secret/rotate`, { body: {} });
      secrets.set(id, [rotated.body.key, first.body.key]);
    }
  }
});
afterAll(async () => {
  await platform?.close();
});

type Run = { code: number; stdout: string; stderr: string };

function reseal(env: Record<string, string>, args: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["run", "--silent", "secrets:reseal", "--", ...args],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, NODE_ENV: "test", DATABASE_URL: platform.config.databaseUrl, ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function sealedRows() {
  const { rows } = await platform.db.$client.query<{
    id: string;
    secret: string;
    previous_secret: string | null;
  }>("select id, secret, previous_secret from endpoints order by id");
  return rows;
}

describe("npm run secrets:reseal", () => {
  it("re-seals current and previous secrets under the new key in batches, keeping every plaintext", async () => {
    const run = await reseal(
      {
        HOOKLINE_ENCRYPTION_KEY: keyB.toString("base64"),
        HOOKLINE_ENCRYPTION_KEYS_RETIRED: keyA.toString("base64"),
      },
      ["--batch-size=2"],
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Re-sealed 5 of 5 endpoint(s) in 3 batch(es)");
    expect(run.stdout).toContain("retired keys can be removed");
    expect(run.stdout).not.toContain("whsec_");

    const onlyB = new SecretBox(keyB);
    const rows = await sealedRows();
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect(onlyB.isStale(row.secret)).toBe(false);
      const expected = secrets.get(row.id) ?? [];
      expect(onlyB.open(row.secret)).toBe(expected[0]);
      if (expected[1] === undefined) {
        expect(row.previous_secret).toBeNull();
      } else {
        expect(onlyB.isStale(row.previous_secret as string)).toBe(false);
        expect(onlyB.open(row.previous_secret as string)).toBe(expected[1]);
      }
    }
  });

  it("is idempotent: a second run changes nothing", async () => {
    const before = await sealedRows();
    const run = await reseal({
      HOOKLINE_ENCRYPTION_KEY: keyB.toString("base64"),
      HOOKLINE_ENCRYPTION_KEYS_RETIRED: keyA.toString("base64"),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Re-sealed 0 of 5 endpoint(s) in 1 batch(es)");
    expect(await sealedRows()).toEqual(before);
  });

  it("leaves an API with only the new key able to serve every secret", async () => {
    const config = loadConfig({
      NODE_ENV: "test",
      DATABASE_URL: platform.config.databaseUrl,
      REDIS_URL: platform.config.redisUrl,
      HOOKLINE_QUEUE_PREFIX: platform.config.queuePrefix,
      HOOKLINE_ENCRYPTION_KEY: keyB.toString("base64"),
    });
    const api = await startApi(
      { config, db: platform.db, logger: createLogger({ level: "silent", name: "b" }) },
      { port: 0 },
    );
    try {
      const [row] = await sealedRows();
      const { rows } = await platform.db.$client.query<{ application_id: string }>(
        "select application_id from endpoints where id = $1",
        [row?.id],
      );
      const response = await fetch(
        `${api.url}/v1/applications/${rows[0]?.application_id}/endpoints/${row?.id}/secret`,
        { headers: { authorization: `Bearer ${platform.adminKey}` } },
      );
      expect(response.status).toBe(200);
      expect(((await response.json()) as { key: string }).key).toBe(secrets.get(row?.id ?? "")?.[0]);
    } finally {
      await api.close();
    }
  });

  it("exits 1 naming the missing key when a secret is sealed with a key it was not given, changing nothing", async () => {
    const before = await sealedRows();
    const run = await reseal({ HOOKLINE_ENCRYPTION_KEY: keyC.toString("base64") });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /5 endpoint\(s\) are sealed with a key that is not configured \(key id [\w-]{8}\)/,
    );
    expect(run.stderr).toContain("HOOKLINE_ENCRYPTION_KEYS_RETIRED");
    expect(`${run.stdout}${run.stderr}`).not.toContain("whsec_");
    expect(await sealedRows()).toEqual(before);
  });
});
