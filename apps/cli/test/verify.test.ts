// `hookline verify` names the cause of each kind of bad signature (and exits 1), via the real bin.
import { sign } from "@hookline/receiver";
import { describe, expect, it } from "vitest";
import { runHookline } from "./cli-process.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

function delivery(options: { timestampSeconds?: number } = {}) {
  const body = JSON.stringify({
    type: "invoice.paid",
    timestamp: "2024-05-01T12:00:00.000Z",
    data: { n: 1 },
  });
  const headers = sign({
    secret: SECRET,
    id: "msg_01HZX3T4J5K6M7N8P9Q0R1S2T3",
    body,
    timestamp: options.timestampSeconds ?? Math.floor(Date.now() / 1000),
  });
  return { body, headers };
}

function headerFlags(headers: Record<string, string>): string[] {
  return Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
}

async function verifyJson(args: string[], stdin?: string) {
  const run = await runHookline(["verify", "--json", ...args], stdin === undefined ? {} : { stdin });
  return { ...run, diagnosis: JSON.parse(run.stdout) as { ok: boolean; cause: string; message: string } };
}

describe("hookline verify", () => {
  it("accepts a correctly signed delivery and exits 0", async () => {
    const { body, headers } = delivery();
    const run = await runHookline(["verify", "--secret", SECRET, ...headerFlags(headers), "--body", body]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^✓ valid/);
    expect(run.stdout).toMatch(/signature\s+pass\s+signature #1 matches secret #1/);
  });

  it("names a wrong secret", async () => {
    const { body, headers } = delivery();
    const run = await verifyJson(["--secret", OTHER_SECRET, ...headerFlags(headers), "--body", body]);
    expect(run.code).toBe(1);
    expect(run.diagnosis).toMatchObject({ ok: false, cause: "wrong-secret" });
  });

  it("names a stale timestamp, with its age, even though the signature matches", async () => {
    const { body, headers } = delivery({ timestampSeconds: Math.floor(Date.now() / 1000) - 3600 });
    const run = await runHookline(["verify", "--secret", SECRET, ...headerFlags(headers), "--body", body]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ timestamp-too-old/);
    expect(run.stdout).toMatch(/webhook-timestamp is 36\d\d s old/);
    expect(run.stdout).toMatch(/signature\s+pass/);
  });

  it("judges the timestamp as of --now, so an old captured delivery can still be checked", async () => {
    const signedAt = Math.floor(Date.now() / 1000) - 3600;
    const { body, headers } = delivery({ timestampSeconds: signedAt });
    const run = await verifyJson([
      "--secret",
      SECRET,
      ...headerFlags(headers),
      "--body",
      body,
      "--now",
      String(signedAt + 10),
    ]);
    expect(run.code).toBe(0);
    expect(run.diagnosis.cause).toBe("ok");
  });

  it("names a body that was re-encoded after it was signed (read from stdin, byte for byte)", async () => {
    const { body, headers } = delivery();
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    const run = await verifyJson(["--secret", SECRET, ...headerFlags(headers), "--body-file", "-"], pretty);
    expect(run.code).toBe(1);
    expect(run.diagnosis.cause).toBe("body-changed");
    expect(run.diagnosis.message).toContain("raw bytes");
  });

  it("names header names that are not the Standard Webhooks ones", async () => {
    const { body, headers } = delivery();
    const renamed = Object.fromEntries(Object.entries(headers).map(([name, value]) => [`x-${name}`, value]));
    const run = await verifyJson(["--secret", SECRET, ...headerFlags(renamed), "--body", body]);
    expect(run.code).toBe(1);
    expect(run.diagnosis.cause).toBe("wrong-header-names");
    expect(run.diagnosis.message).toContain("x-webhook-signature");
  });

  it("refuses a command line without a body as a usage error (exit 2)", async () => {
    const { headers } = delivery();
    const run = await runHookline(["verify", "--secret", SECRET, ...headerFlags(headers)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no body given");
  });
});
