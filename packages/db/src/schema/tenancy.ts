// Tenants and who may call the API for them.
import { sql } from "drizzle-orm";
import { index, pgEnum, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, timestamps } from "./columns.js";

export const applications = pgTable(
  "applications",
  {
    id: text("id").primaryKey(),
    /** An id the caller chose, unique across applications. */
    uid: text("uid"),
    name: text("name").notNull(),
    ...timestamps,
  },
  (table) => [uniqueIndex("applications_uid_key").on(table.uid)],
);

export const roleEnum = pgEnum("api_key_role", ["admin", "producer", "partner"]);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    role: roleEnum("role").notNull(),
    /** Producer and partner keys may be bound to one application; partner keys always are. */
    applicationId: text("application_id").references(() => applications.id, { onDelete: "cascade" }),
    /** SHA-256 of the key text, hex; the key itself is never stored. */
    keyHash: text("key_hash").notNull(),
    hint: text("hint").notNull(),
    name: text("name"),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("api_keys_key_hash_key").on(table.keyHash),
    index("api_keys_application_idx").on(table.applicationId).where(sql`${table.applicationId} is not null`),
  ],
);
