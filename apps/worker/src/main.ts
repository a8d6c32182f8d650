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

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker stopping: finishing in-flight deliveries");
    // close() keeps to the shutdown deadline; this only catches a close stuck on a dead connection.
    setTimeout(() => {
      logger.error("worker did not stop in time; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs + 15_000).unref();
    await worker.close();
    await db.$client.end();
    logger.info("worker stopped");
    process.exit(0);
  });
}
