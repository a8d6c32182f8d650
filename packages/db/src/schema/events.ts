// The event log: what producers sent, and every try to hand it to an endpoint.
import { sql } from "drizzle-orm";
import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { createdAt, timestamps, xid8 } from "./columns.js";
import { endpoints } from "./endpoints.js";
import { applications } from "./tenancy.js";

export const events = pgTable(
  "events",
  {
    id: text("id").primaryKey(),
    applicationId: text("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    eventType: text("event_type").notNull(),
    payload: jsonb("payload").notNull(),
    idempotencyKey: text("idempotency_key"),
    createdAt: createdAt(),
    /** Stream position, part 1: the inserting transaction. Readers stream only transactions older
     * than every running one, so a position never becomes visible behind a later one. */
    streamXid: xid8("stream_xid").notNull().default(sql`pg_current_xact_id()`),
    /** Stream position, part 2: order within one transaction. */
    streamSeq: bigint("stream_seq", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
  },
  (table) => [
    // Partial: most events carry no key, and an index entry for each of them would be written on
    // every ingest for nothing.
    uniqueIndex("events_idempotency_key")
      .on(table.applicationId, table.idempotencyKey)
      .where(sql`${table.idempotencyKey} is not null`),
    index("events_application_idx").on(table.applicationId, table.id),
    index("events_stream_idx").on(table.applicationId, table.streamXid, table.streamSeq),
  ],
);

/** An event going to more endpoints than ingest writes deliveries for (FAN_OUT_WRITTEN_AT_INGEST_MAX):
 * the endpoints it matched when it was accepted, until the worker has written their deliveries. Ingest
 * then costs one row whatever the fan-out; the reconciler finds what a lost job left here. */
export const pendingFanOuts = pgTable("pending_fan_outs", {
  eventId: text("event_id")
    .primaryKey()
    .references(() => events.id, { onDelete: "cascade" }),
  endpointIds: text("endpoint_ids").array().notNull(),
});

export const deliveryStatusEnum = pgEnum("delivery_status", ["pending", "succeeded", "failed"]);

/** One per event × matching endpoint. */
export const deliveries = pgTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    /** Copied from the event, which references the application (and goes with it): no foreign key of
     * its own, which would be one more check and key-share lock on the application's row per
     * delivery, a hundred per event at a fan-out of 100. */
    applicationId: text("application_id").notNull(),
    eventId: text("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => endpoints.id, { onDelete: "cascade" }),
    /** Copied from the event so the delivery log filters without a join. */
    eventType: text("event_type").notNull(),
    status: deliveryStatusEnum("status").notNull().default("pending"),
    attemptCount: integer("attempt_count").notNull().default(0),
    /** Attempts since the delivery was last (re)started; indexes the retry schedule. A replay or a
     * manual retry starts a new round with the whole schedule. */
    roundAttempts: integer("round_attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    ...timestamps,
  },
  (table) => [
    index("deliveries_application_idx").on(table.applicationId, table.id),
    index("deliveries_event_idx").on(table.eventId),
    index("deliveries_endpoint_idx").on(table.endpointId, table.id),
    index("deliveries_due_idx").on(table.nextAttemptAt).where(sql`${table.status} = 'pending'`),
  ],
);

/** Every HTTP try of a delivery. */
export const attempts = pgTable(
  "attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    attemptNumber: integer("attempt_number").notNull(),
    attemptedAt: timestamp("attempted_at", { withTimezone: true }).notNull(),
    durationMs: integer("duration_ms").notNull(),
    statusCode: integer("status_code"),
    /** The first 4 KiB of the response body. */
    responseBody: text("response_body"),
    /** `http` for an HTTP answer, else the network failure: timeout, refused, dns, tls, blocked… */
    errorClass: text("error_class"),
    errorMessage: text("error_message"),
  },
  (table) => [index("attempts_delivery_idx").on(table.deliveryId, table.attemptNumber)],
);

/** Deliveries that exhausted their retries, for operators to inspect and replay. */
export const deadLetters = pgTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    applicationId: text("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => endpoints.id, { onDelete: "cascade" }),
    eventId: text("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    eventType: text("event_type").notNull(),
    reason: text("reason").notNull(),
    ...timestamps,
    replayedAt: timestamp("replayed_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("dead_letters_open_delivery_key")
      .on(table.deliveryId)
      .where(sql`${table.replayedAt} is null`),
    index("dead_letters_open_idx").on(table.createdAt).where(sql`${table.replayedAt} is null`),
    index("dead_letters_application_idx").on(table.applicationId, table.id),
  ],
);
