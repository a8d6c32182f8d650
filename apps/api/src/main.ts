// `npm run start:api`: the API alone, for scale-out.
import { createLogger, loadConfigOrExit } from "@hookline/core";
import { createDatabase, migrateDatabase } from "@hookline/db";
import { bootstrapAdminKey, describeAdminKey } from "./bootstrap-admin.js";
import { startApi } from "./server.js";

const config = loadConfigOrExit();
const logger = createLogger({ level: config.logLevel, name: "api" });
await migrateDatabase(config.databaseUrl);
const db = createDatabase({ url: config.databaseUrl, applicationName: "hookline-api" });
console.log(describeAdminKey(await bootstrapAdminKey(db, config)));
const api = await startApi({ config, db, logger });
logger.info({ url: api.url }, "api listening");

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, async () => {
    await api.close();
    await db.$client.end();
    process.exit(0);
  });
}
