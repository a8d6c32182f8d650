// `npm start`: one process with the API and the worker, against the local Postgres and Redis by
// default. Creates the database if missing, migrates, makes sure an admin key exists, listens.
import { bootstrapAdminKey, describeAdminKey, startApi } from "@hookline/api";
import { createLogger, loadConfigOrExit } from "@hookline/core";
import { createDatabase, migrateDatabase } from "@hookline/db";
import { startWorker } from "@hookline/worker";

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, name: "hookline" });

await migrateDatabase(config.databaseUrl);
const db = createDatabase({ url: config.databaseUrl, applicationName: "hookline" });
const admin = await bootstrapAdminKey(db, config);
// Printed before anything else can fail: a generated key exists nowhere else.
console.log(describeAdminKey(admin));
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
