// The Standard Webhooks signature itself: HMAC-SHA256 over `${id}.${timestamp}.${body}`, carried
// as space-separated `v1,<base64>` entries, compared in constant time.
import { createHmac, timingSafeEqual } from "node:crypto";

/** The raw body exactly as received: a string, or the bytes off the wire. */
export type RawBody = string | Uint8Array;

export const SIGNATURE_VERSION = "v1";

export interface SignatureEntry {
  version: string;
  value: string;
}

/** The base64 HMAC of one message. The body is hashed as bytes so non-UTF-8 input is not rewritten. */
export function computeSignature(
  key: Uint8Array,
  id: string,
  timestamp: string | number,
  body: RawBody,
): string {
  return createHmac("sha256", key)
    .update(`${id}.${timestamp}.`)
    .update(typeof body === "string" ? Buffer.from(body, "utf8") : body)
    .digest("base64");
}

/** `v1,abc v1,def` → its entries; an entry without a comma keeps its whole text as the version. */
export function parseSignatureHeader(header: string): SignatureEntry[] {
  return header
    .split(" ")
    .filter((part) => part !== "")
    .map((part) => {
      const comma = part.indexOf(",");
      return comma === -1
        ? { version: part, value: "" }
        : { version: part.slice(0, comma), value: part.slice(comma + 1) };
    });
}

/**
 * The first (secret, entry) pair that matches, by index. Every v1 entry is compared against every
 * key without an early exit on content, so timing reveals nothing about how close a forgery came.
 */
export function findMatchingSignature(
  keys: readonly Uint8Array[],
  id: string,
  timestamp: string,
  body: RawBody,
  entries: readonly SignatureEntry[],
): { secretIndex: number; entryIndex: number } | undefined {
  const candidates = entries.map((entry) =>
    entry.version === SIGNATURE_VERSION ? Buffer.from(entry.value, "utf8") : undefined,
  );
  let match: { secretIndex: number; entryIndex: number } | undefined;
  keys.forEach((key, secretIndex) => {
    const expected = Buffer.from(computeSignature(key, id, timestamp, body), "utf8");
    candidates.forEach((candidate, entryIndex) => {
      if (candidate === undefined || candidate.length !== expected.length) return;
      if (timingSafeEqual(candidate, expected) && match === undefined) match = { secretIndex, entryIndex };
    });
  });
  return match;
}
