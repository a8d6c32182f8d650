// `npm run db:migrate`: apply migrations to DATABASE_URL.
import { loadConfigOrExit } from "@hookline/core";
import { migrateDatabase } from "./migrate.js";

const config = loadConfigOrExit();
await migrateDatabase(config.databaseUrl);
console.log(`migrated ${new URL(config.databaseUrl).pathname.slice(1)}`);
