// One structured logger per process. Secrets and keys never reach the output.
import { type DestinationStream, type Logger, pino } from "pino";

export type { DestinationStream, Logger };

export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.url",
  "req.query.token",
  "req.query.key",
  "req.query.api_key",
  "req.query.apiKey",
  "req.query.access_token",
  "url",
  "*.url",
  "*.secret",
  "*.secrets",
  "*.key",
  "*.apiKey",
  "*.encryptionKey",
  "*.previousSecret",
  "headers.authorization",
  "config.adminKey",
];

/** Query parameters that carry credentials (stream tokens for browsers, keys pasted into URLs). */
const SECRET_QUERY_PARAMS = /([?&](?:token|key|api_key|apiKey|access_token)=)[^&#]*/gi;

/** Request URLs keep their path and query, minus credential values; everything else listed above
 * is replaced whole. */
function censor(value: unknown, path: string[]): unknown {
  if (path.at(-1) === "url") {
    return typeof value === "string" ? value.replace(SECRET_QUERY_PARAMS, "$1[redacted]") : value;
  }
  return "[redacted]";
}

export function createLogger(options: {
  level: string;
  name: string;
  /** Where the JSON lines go; stdout by default (tests pass a file to inspect the output). */
  destination?: DestinationStream | undefined;
}): Logger {
  const settings = {
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
