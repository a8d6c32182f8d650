// Column sets shared by several tables.
import { customType, timestamp } from "drizzle-orm/pg-core";

export const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const timestamps = {
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

/** Postgres' 64-bit transaction id, read as a decimal string (it overflows JS numbers' safe range
 * only after 2^53 transactions, but strings keep comparisons exact in SQL). */
export const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => "xid8",
});
