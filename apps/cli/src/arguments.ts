// Parsers for option values, so a bad value is a usage error that names the option.
import { InvalidArgumentError } from "commander";

export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError("must be a positive integer");
  return value;
}

export function nonNegativeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError("must be 0 or a positive integer");
  return value;
}

/** ISO-8601 with a zone, as the API takes it (`2024-05-01T00:00:00Z`); a bare date means UTC midnight. */
export function isoTime(text: string): string {
  const withZone = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const date = new Date(withZone);
  if (Number.isNaN(date.getTime()) || !/(Z|[+-]\d{2}:?\d{2})$/.test(withZone)) {
    throw new InvalidArgumentError("must be an ISO-8601 time with a zone, e.g. 2024-05-01T12:00:00Z");
  }
  return date.toISOString();
}

/** Repeatable options (`-H a -H b`) collect into a list. */
export function collectValues(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function commaList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}
