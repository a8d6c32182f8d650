// `npm run secrets:reseal [-- --batch-size=N]`: the last step of a master-key rotation (see
// docs/security.md). Re-seals every endpoint secret, current and previous, that was sealed with a
// retired HOOKLINE_ENCRYPTION_KEYS_RETIRED key under the current HOOKLINE_ENCRYPTION_KEY, in batches.
// Idempotent: a second run finds nothing to do. Secrets are never printed.
import { pathToFileURL } from "node:url";
import { loadConfigOrExit, SecretBox } from "@hookline/core";
import { createDatabase, type Database } from "@hookline/db";

export type ResealReport = {
  /** Endpoint rows read. */
  scanned: number;
  /** Rows whose secret or previous secret was re-sealed. */
  resealed: number;
  batches: number;
  /** Rows that changed while being re-sealed (a rotation, a deletion): left alone; run again. */
  changedMeanwhile: number;
  /** Rows no configured key can open, with the fingerprint of the key that sealed them. */
  unreadable: { id: string; keyId: string }[];
};

type EndpointSecretRow = { id: string; secret: string; previous_secret: string | null };

export async function resealEndpointSecrets(
  db: Database,
  box: SecretBox,
  options: { batchSize?: number } = {},
): Promise<ResealReport> {
  const batchSize = options.batchSize ?? 500;
  const report: ResealReport = { scanned: 0, resealed: 0, batches: 0, changedMeanwhile: 0, unreadable: [] };
  let after = "";
  for (;;) {
    // Keyset pagination by id: stable while rows are added or deleted, no OFFSET scans.
    const { rows } = await db.$client.query<EndpointSecretRow>(
      "select id, secret, previous_secret from endpoints where id > $1 order by id limit $2",
      [after, batchSize],
    );
    if (rows.length === 0) return report;
    report.batches++;
    report.scanned += rows.length;
    for (const row of rows) await resealRow(db, box, row, report);
    after = (rows.at(-1) as EndpointSecretRow).id;
  }
}

async function resealRow(db: Database, box: SecretBox, row: EndpointSecretRow, report: ResealReport) {
  let secret: string | null;
  let previous: string | null;
  try {
    secret = box.isStale(row.secret) ? box.seal(box.open(row.secret)) : null;
    previous =
      row.previous_secret !== null && box.isStale(row.previous_secret)
        ? box.seal(box.open(row.previous_secret))
        : null;
  } catch {
    const unopenable = [row.secret, row.previous_secret].find(
      (sealed) => sealed !== null && !opens(box, sealed),
    );
    report.unreadable.push({ id: row.id, keyId: unopenable?.split(".")[1] ?? "?" });
    return;
  }
  if (secret === null && previous === null) return;
  // Compare-and-set on both sealed values: a rotation that lands meanwhile is never overwritten
  // with the secret it replaced.
  const updated = await db.$client.query(
    `update endpoints
        set secret = coalesce($2, secret), previous_secret = coalesce($3, previous_secret)
      where id = $1 and secret = $4 and previous_secret is not distinct from $5`,
    [row.id, secret, previous, row.secret, row.previous_secret],
  );
  if (updated.rowCount === 1) report.resealed++;
  else report.changedMeanwhile++;
}

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

function batchSizeFrom(argv: readonly string[]): number | undefined {
  const flag = argv.find((arg) => arg.startsWith("--batch-size="));
  if (flag === undefined) return undefined;
  const size = Number(flag.slice("--batch-size=".length));
  if (!Number.isInteger(size) || size < 1) {
    console.error("--batch-size must be a positive integer");
    process.exit(2);
  }
  return size;
}

async function main() {
  const batchSize = batchSizeFrom(process.argv.slice(2));
  const config = loadConfigOrExit();
  const box = new SecretBox(config.encryptionKey, config.retiredEncryptionKeys);
  const db = createDatabase({
    url: config.databaseUrl,
    maxConnections: 2,
    applicationName: "hookline-reseal",
  });
  try {
    const report = await resealEndpointSecrets(db, box, { batchSize });
    console.log(
      `Re-sealed ${report.resealed} of ${report.scanned} endpoint(s) in ${report.batches} batch(es) ` +
        "under the current HOOKLINE_ENCRYPTION_KEY.",
    );
    if (report.changedMeanwhile > 0) {
      console.log(`${report.changedMeanwhile} endpoint(s) changed meanwhile; run this again.`);
    }
    if (report.unreadable.length > 0) {
      const keys = [...new Set(report.unreadable.map((row) => row.keyId))].join(", ");
      console.error(
        `${report.unreadable.length} endpoint(s) are sealed with a key that is not configured (key id ${keys}): ` +
          "add it to HOOKLINE_ENCRYPTION_KEYS_RETIRED and run this again. First: " +
          report.unreadable
            .slice(0, 10)
            .map((row) => row.id)
            .join(", "),
      );
      process.exitCode = 1;
    } else if (report.changedMeanwhile === 0) {
      console.log("Every endpoint secret is sealed with the current key; retired keys can be removed.");
    }
  } finally {
    await db.$client.end();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
