// `npm run start:api`: the API alone, for scale-out.
import { createLogger, loadConfig } from "@hookline/core";
import { createDatabase, migrateDatabase } from "@hookline/db";
import { startApi } from "./server.js";

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: "api" });
await migrateDatabase(config.databaseUrl);
const db = createDatabase({ url: config.databaseUrl, applicationName: "hookline-api" });
const api = await startApi({ config, db, logger });
logger.info({ url: api.url }, "api listening");

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    await api.close();
    await db.$client.end();
    process.exit(0);
  });
}
