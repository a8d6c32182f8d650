// Reading the three signature headers from whatever the caller has (a Fetch `Headers`, Node's
// `IncomingHttpHeaders`, a plain object), case-insensitively, under either naming style.

/** A Fetch-style `Headers` or any plain object of header values. */
export type HeaderInput =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** `standard`: `webhook-id`/`webhook-timestamp`/`webhook-signature`; `svix`: the `svix-*` names. */
export type HeaderStyle = "standard" | "svix";

/** Which header names verification accepts; `any` takes the standard names, else the Svix ones. */
export type AcceptedHeaderStyle = HeaderStyle | "any";

export const HEADER_NAMES = {
  standard: { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" },
  svix: { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" },
} as const satisfies Record<HeaderStyle, { id: string; timestamp: string; signature: string }>;

export interface SignatureHeaders {
  style: HeaderStyle;
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** All headers as a lower-cased map; repeated headers are joined as HTTP allows (`, `). */
export function normalizeHeaders(headers: HeaderInput): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of headerEntries(headers)) {
    if (value === undefined || value === null) continue;
    const text = Array.isArray(value) ? value.join(", ") : String(value);
    result.set(name.toLowerCase(), text);
  }
  return result;
}

/**
 * The signature headers under the accepted style. With `any`, the standard names win when any of
 * them is present, so a half-set of standard headers is reported as such, not masked by Svix ones.
 */
export function readSignatureHeaders(headers: HeaderInput, accepted: AcceptedHeaderStyle): SignatureHeaders {
  const all = normalizeHeaders(headers);
  const style = accepted === "any" ? pickStyle(all) : accepted;
  const names = HEADER_NAMES[style];
  return {
    style,
    id: nonEmpty(all.get(names.id)),
    timestamp: nonEmpty(all.get(names.timestamp)),
    signature: nonEmpty(all.get(names.signature)),
  };
}

export function missingNames(found: SignatureHeaders): string[] {
  const names = HEADER_NAMES[found.style];
  const missing: string[] = [];
  if (found.id === undefined) missing.push(names.id);
  if (found.timestamp === undefined) missing.push(names.timestamp);
  if (found.signature === undefined) missing.push(names.signature);
  return missing;
}

function pickStyle(all: Map<string, string>): HeaderStyle {
  const present = (style: HeaderStyle) => Object.values(HEADER_NAMES[style]).some((name) => all.has(name));
  return !present("standard") && present("svix") ? "svix" : "standard";
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

function headerEntries(headers: HeaderInput): Iterable<[string, unknown]> {
  if (!("get" in headers) || typeof headers.get !== "function") return Object.entries(headers);
  if (Symbol.iterator in headers) return headers as Iterable<[string, string]>;
  // A `get`-only object cannot be listed: ask for the names verification knows.
  const known = Object.values(HEADER_NAMES).flatMap((names) => Object.values(names));
  const getter = headers as { get(name: string): string | null };
  return known.map((name): [string, unknown] => [name, getter.get(name)]);
}
