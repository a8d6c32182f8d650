// Headers for `hookline verify`, as people have them at hand: `-H "name: value"` lines copied
// from a log or an HTTP dump, or a JSON object (what most frameworks print for `req.headers`).
import { UsageError } from "../io.js";

export type HeaderMap = Record<string, string[]>;

/**
 * `Name: value` lines; a request line (`POST /hooks HTTP/1.1`) and blank lines are skipped.
 * Names are lower-cased; a repeated header keeps every value.
 */
export function parseHeaderLines(lines: readonly string[], into: HeaderMap = {}): HeaderMap {
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || /^[A-Z]+ \S+ HTTP\/\d(\.\d)?$/.test(line)) continue;
    const colon = line.indexOf(":");
    if (colon <= 0)
      throw new UsageError(`not a header line (expected "name: value"): ${JSON.stringify(raw)}`);
    add(into, line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return into;
}

/** A headers file: a JSON object of strings (or string lists), or `Name: value` lines. */
export function parseHeadersFile(text: string, into: HeaderMap = {}): HeaderMap {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return parseHeaderLines(trimmed.split(/\r?\n/), into);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new UsageError(`the headers file is not valid JSON: ${(error as Error).message}`);
  }
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item !== "string" && typeof item !== "number") {
        throw new UsageError(`header ${name} in the headers file must be a string`);
      }
      add(into, name, String(item));
    }
  }
  return into;
}

function add(into: HeaderMap, name: string, value: string): void {
  const key = name.trim().toLowerCase();
  into[key] = [...(into[key] ?? []), value];
}
