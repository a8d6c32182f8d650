// One structured logger per process. Secrets and keys never reach the output.
import { type Logger, pino } from "pino";

export type { Logger };

export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "*.secret",
  "*.secrets",
  "*.key",
  "*.apiKey",
  "*.encryptionKey",
  "*.previousSecret",
  "headers.authorization",
  "config.adminKey",
];

export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  });
}
