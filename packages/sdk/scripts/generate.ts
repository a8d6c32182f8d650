// `npm run sdk:generate [-- <base url>]`: regenerates packages/sdk/src/schema.d.ts from a live
// API. Without a URL it starts the real API in this process (port 0) just to read its document.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { startApi } from "@hookline/api";
import { createLogger, loadConfig } from "@hookline/core";
import { createDatabase } from "@hookline/db";
import { fetchOpenApiDocument, readCommittedSchema, renderSchema, SCHEMA_FILE } from "./schema-source.js";

async function documentFromLocalApi() {
  // Serving /openapi.json touches neither Postgres nor Redis; the config only has to be valid.
  const config = loadConfig({
    NODE_ENV: "test",
    HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "silent",
  });
  const logger = createLogger({ level: "silent", name: "sdk-generate" });
  const db = createDatabase({ url: config.databaseUrl, maxConnections: 1 });
  const api = await startApi({ config, db, logger }, { port: 0 });
  try {
    return await fetchOpenApiDocument(api.url);
  } finally {
    await api.close();
    await db.$client.end();
  }
}

const url = process.argv[2];
const document = url ? await fetchOpenApiDocument(url) : await documentFromLocalApi();
const text = await renderSchema(document);
const before = await readCommittedSchema();
await writeFile(SCHEMA_FILE, text);
const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);
const operations = Object.values(document.paths ?? {})
  .flatMap((item) => Object.keys(item))
  .filter((key) => METHODS.has(key)).length;
console.log(
  `${before === text ? "unchanged" : "wrote"} ${SCHEMA_FILE} (${Object.keys(document.paths ?? {}).length} paths, ${operations} operations)`,
);
