// Where a partner wants its application's events delivered.
import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { timestamps } from "./columns.js";
import { applications } from "./tenancy.js";

export const headerStyleEnum = pgEnum("header_style", ["standard", "svix"]);

export const endpoints = pgTable(
  "endpoints",
  {
    id: text("id").primaryKey(),
    applicationId: text("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    /** Event types this endpoint receives; empty means all. */
    eventTypes: text("event_types").array().notNull().default(sql`'{}'::text[]`),
    disabled: boolean("disabled").notNull().default(false),
    disabledReason: text("disabled_reason"),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    /** Extra request headers; never the signature, host or content-length headers. */
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    /** Delays after the first try, in ms; null uses the platform's schedule. */
    retryScheduleMs: integer("retry_schedule_ms").array(),
    headerStyle: headerStyleEnum("header_style").notNull().default("standard"),
    /** The signing secret, sealed with the platform's encryption key. */
    secret: text("secret").notNull(),
    /** The secret before the last rotation, still signing until `previousSecretExpiresAt`. */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: timestamp("previous_secret_expires_at", { withTimezone: true }),
    /** Start of the current unbroken run of failed attempts; null after any success. */
    failingSince: timestamp("failing_since", { withTimezone: true }),
    ...timestamps,
  },
  (table) => [index("endpoints_application_idx").on(table.applicationId, table.id)],
);
