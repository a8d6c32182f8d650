// Schemas shared by several v1 resources: pagination, ids, timestamps.
import { type IdKind, idPattern } from "@hookline/core";
import { z } from "zod";

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(250).default(50),
  cursor: z.string().max(64).optional(),
};

export function idParam(kind: IdKind) {
  return z.string().regex(idPattern(kind), `must be an id like ${idPattern(kind).source.slice(1, 5)}…`);
}

/** The application path parameter: an `app_` id or the uid its creator chose. */
export const appIdParam = z.string().min(1).max(256);

export const isoDate = z.iso.datetime({ offset: true }).transform((text) => new Date(text));

export const timestamp = z.string().meta({ format: "date-time" });

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}

export const eventTypeSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,256}$/, "must be 1–256 letters, digits, or . _ : -");
