// The connect-time half of the SSRF guard: a `lookup` for net/tls/undici that vets every address it
// hands back, so a name that passed at registration and now answers 127.0.0.1 (DNS rebinding) gets
// no connection. Connections to IP-literal URLs never call lookup: check those with checkUrlSyntax.
import type { LookupAddress, LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import {
  type DestinationPolicy,
  type Resolver,
  resolveDestination,
  systemResolver,
} from "./destination-guard.js";

export const DESTINATION_BLOCKED = "EHOOKLINEBLOCKED";

/** A connection refused by the SSRF guard; `code` is "EHOOKLINEBLOCKED". Retrying will not help. */
export class DestinationBlockedError extends Error {
  override name = "DestinationBlockedError";
  readonly code = DESTINATION_BLOCKED;

  constructor(
    readonly hostname: string,
    reason: string,
  ) {
    super(`Hookline refused to connect: ${reason}.`);
  }
}

/**
 * A lookup function that resolves with `resolve`, refuses the host if any answer is blocked, and
 * otherwise returns the answers (filtered by the requested family). Resolver errors pass through
 * unchanged, so an ENOTFOUND stays an ordinary, retryable network error.
 *
 * @example
 * const dispatcher = new Agent({ connect: { lookup: createGuardedLookup(policy) } });
 */
export function createGuardedLookup(
  policy: DestinationPolicy,
  resolve: Resolver = systemResolver,
): LookupFunction {
  return (hostname, options, callback) => {
    resolveDestination(hostname, policy, resolve).then(
      (outcome) => {
        if (!outcome.ok) return callback(new DestinationBlockedError(hostname, outcome.reason), "");
        const family = familyOf(options);
        const wanted = outcome.addresses.filter((answer) => family === 0 || answer.family === family);
        const first = wanted[0];
        if (first === undefined) return callback(noAddress(hostname, family), "");
        if (options.all) return callback(null, wanted satisfies LookupAddress[]);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}

function familyOf(options: LookupOptions): number {
  return options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : (options.family ?? 0);
}

function noAddress(hostname: string, family: number): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${family} address`);
  error.code = "ENOTFOUND";
  error.syscall = "getaddrinfo";
  return error;
}
