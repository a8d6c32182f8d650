// `npm start`: one process with the API and the worker, against the local Postgres and Redis by
// default. Creates the database if missing, migrates, makes sure an admin key exists, listens.
import { startApi } from "@hookline/api";
import { ConfigError, createLogger, loadConfig } from "@hookline/core";
import { createDatabase, migrateDatabase } from "@hookline/db";
import { startWorker } from "@hookline/worker";
import { bootstrapAdminKey } from "./bootstrap-admin.js";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const logger = createLogger({ level: config.logLevel, name: "hookline" });

await migrateDatabase(config.databaseUrl);
const db = createDatabase({ url: config.databaseUrl, applicationName: "hookline" });
const admin = await bootstrapAdminKey(db, config);
// Printed before anything else can fail: a generated key exists nowhere else.
if (admin.kind === "generated") {
  console.log(`Admin key (shown once; keep it, or set HOOKLINE_ADMIN_KEY): ${admin.key}`);
} else if (admin.kind === "configured") {
  console.log("Admin key: the one in HOOKLINE_ADMIN_KEY");
} else {
  console.log("Admin key: printed on the first start; `npm run admin-key` mints another");
}
const worker = await startWorker({ config, db, logger: logger.child({ component: "worker" }) });
const api = await startApi({ config, db, logger: logger.child({ component: "api" }) });
console.log(`Hookline is running at ${api.url}  (API docs: ${api.url}/docs)`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping: no new requests or jobs; finishing in-flight deliveries");
    await api.close();
    await worker.close();
    await db.$client.end();
    process.exit(0);
  });
}
