// API keys → principal. Every route declares the roles that may call it; application-scoped
// routes also check that a bound key belongs to that application.
import { hashApiKey, type Role } from "@hookline/core";
import { type Database, findActiveKeyByHash } from "@hookline/db";
import type { Request } from "express";
import { createLookupCache } from "./lookup-cache.js";
import { HttpProblem } from "./problem.js";

export type Principal = { keyId: string; role: Role; applicationId: string | null };

export type Authenticator = (req: Request) => Promise<Principal>;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export type AuthenticatorOptions = {
  /** How long a found key is trusted before Postgres is asked again (HOOKLINE_AUTH_CACHE_TTL): a
   * revocation takes effect within this long. 0 asks on every request. */
  cacheTtlMs?: number;
};

export function createAuthenticator(db: Database, options: AuthenticatorOptions = {}): Authenticator {
  // Keyed by the key's hash, never its text; unknown keys are not kept, so guessing fills nothing.
  const keys = createLookupCache((keyHash) => findActiveKeyByHash(db, keyHash), {
    ttlMs: options.cacheTtlMs ?? 0,
  });
  return async (req) => {
    const header = req.headers.authorization;
    if (!header) throw new HttpProblem("unauthorized", "send an API key as `Authorization: Bearer <key>`");
    const match = BEARER.exec(header);
    if (!match?.[1]) throw new HttpProblem("unauthorized", "the Authorization header must be `Bearer <key>`");
    // Looked up by its hash: the comparison happens on a digest inside the index, so timing reveals
    // nothing about the key text.
    const record = await keys.get(hashApiKey(match[1]));
    if (!record) throw new HttpProblem("unauthorized", "the API key is unknown or revoked");
    return { keyId: record.id, role: record.role, applicationId: record.applicationId };
  };
}

export function requireRole(principal: Principal, roles: readonly Role[]): void {
  if (!roles.includes(principal.role)) {
    throw new HttpProblem(
      "forbidden",
      `this operation is for ${roles.join(" or ")} keys, not ${principal.role} keys`,
    );
  }
}

/** A key bound to one application sees nothing of the others: they answer 404, as if absent. */
export function canAccessApplication(principal: Principal, applicationId: string): boolean {
  return principal.applicationId === null || principal.applicationId === applicationId;
}
