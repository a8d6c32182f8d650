// `npm run start:worker`: the delivery worker alone, for scale-out.
import { createLogger, loadConfigOrExit } from "@hookline/core";
import { createDatabase, migrateDatabase } from "@hookline/db";
import { startWorker } from "./worker.js";

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, name: "worker" });
await migrateDatabase(config.databaseUrl);
const db = createDatabase({ url: config.databaseUrl, applicationName: "hookline-worker" });
const worker = await startWorker({ config, db, logger });
logger.info({ concurrency: config.workerConcurrency }, "worker started");

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    logger.info({ signal }, "worker stopping: finishing in-flight deliveries");
    await worker.close();
    await db.$client.end();
    process.exit(0);
  });
}
