// `npm run admin-key`: mints a new admin key and prints it once.
import { loadConfigOrExit } from "@hookline/core";
import { createApiKey, createDatabase, migrateDatabase } from "@hookline/db";

const config = loadConfigOrExit();
await migrateDatabase(config.databaseUrl);
const db = createDatabase({ url: config.databaseUrl });
const { key } = await createApiKey(db, { role: "admin", name: "minted by npm run admin-key" });
console.log(key);
await db.$client.end();
