// Custom endpoint headers: partners may add their own, but never ones that change what is signed
// or where it goes.

const RESERVED = new Set([
  "host",
  "content-length",
  "content-type",
  "transfer-encoding",
  "connection",
  "user-agent",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "svix-id",
  "svix-timestamp",
  "svix-signature",
]);

export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function isReservedHeader(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

/** The custom headers that may go on the wire (reserved ones are dropped, names lower-cased). */
export function sendableHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isReservedHeader(name) && HEADER_NAME.test(name)) out[name.toLowerCase()] = value;
  }
  return out;
}
