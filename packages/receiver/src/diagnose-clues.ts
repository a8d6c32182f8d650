// Clues diagnose() uses to tell causes apart when a signature does not match: header names that
// look like signature headers, bodies as they were before something re-encoded them, secrets
// used the wrong way. Heuristics by nature; each one names what it tried.
import { type AcceptedHeaderStyle, HEADER_NAMES } from "./headers.js";
import { SECRET_PREFIX } from "./secret.js";
import type { RawBody } from "./signature.js";

const LOOKALIKE = /(webhook|svix|signature|hmac)/;

/** Request header names that look like signature headers but are not among those being read. */
export function lookalikeHeaders(names: Iterable<string>, accepted: AcceptedHeaderStyle): string[] {
  const expected = new Set<string>(
    accepted === "any"
      ? Object.values(HEADER_NAMES).flatMap((style) => Object.values(style))
      : Object.values(HEADER_NAMES[accepted]),
  );
  return [...names].filter((name) => !expected.has(name) && LOOKALIKE.test(name)).sort();
}

export interface BodyVariant {
  /** What was undone, as the end of "the signature matches the body after …". */
  change: string;
  body: string;
}

/** Plausible originals of a body that a framework or proxy may have rewritten on the way. */
export function bodyVariants(body: RawBody): BodyVariant[] {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  const variants: BodyVariant[] = [
    { change: "removing surrounding whitespace (a newline was added or kept)", body: text.trim() },
    { change: "turning CRLF line ends back into LF", body: text.replaceAll("\r\n", "\n") },
  ];
  const compact = compactJson(text);
  if (compact !== undefined) {
    variants.push({
      change: "re-encoding the JSON compactly (it was parsed and re-serialized)",
      body: compact,
    });
  }
  return variants.filter((variant) => variant.body !== text);
}

/** Senders (Hookline, Svix) emit compact JSON; anything else was probably touched on the way. */
export function isCompactJson(body: RawBody): boolean {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  return compactJson(text) === text;
}

export interface SecretVariant {
  /** What the sender did differently, as the end of "the sender signs with …". */
  mistake: string;
  key: Buffer;
}

/** Keys a confused sender may have used instead of the base64-decoded bytes of the secret. */
export function secretVariants(secret: string): SecretVariant[] {
  const withoutPrefix = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const variants = [
    { mistake: `the secret text itself, "${SECRET_PREFIX}" included, not its decoded bytes`, text: secret },
    { mistake: "the base64 text of the secret, not the bytes it decodes to", text: withoutPrefix },
  ];
  return variants
    .filter((variant, index) => index === 0 || variant.text !== secret)
    .map((variant) => ({ mistake: variant.mistake, key: Buffer.from(variant.text, "utf8") }));
}

/** A timestamp that is not Unix seconds but recognisably something else. */
export function timestampHint(text: string): string {
  if (/^\d{13}$/.test(text)) return " (it looks like milliseconds: send seconds)";
  if (/^\d+\.\d+$/.test(text)) return " (it has a fraction: send whole seconds)";
  if (!Number.isNaN(Date.parse(text))) return " (it looks like a date: send Unix seconds)";
  return "";
}

function compactJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}
