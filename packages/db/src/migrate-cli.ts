// `npm run db:migrate`: apply migrations to DATABASE_URL.
import { loadConfig } from "@hookline/core";
import { migrateDatabase } from "./migrate.js";

const config = loadConfig();
await migrateDatabase(config.databaseUrl);
console.log(`migrated ${new URL(config.databaseUrl).pathname.slice(1)}`);
