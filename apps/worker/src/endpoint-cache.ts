// Endpoints as the worker needs them (secrets already opened), cached so the hot path reads
// Postgres only on a miss. The API announces changes over Redis; entries also expire, so a lost
// announcement costs at most one TTL of staleness.
import { checkUrlSyntax, type DestinationPolicy, type HeaderStyle, type SecretBox } from "@hookline/core";
import { type Database, findEndpointById } from "@hookline/db";

export type CachedEndpoint = {
  id: string;
  applicationId: string;
  url: string;
  /** Why the SSRF guard refuses this URL as written (IP literals never reach the guarded DNS
   * lookup, so they are checked here); null when it may be tried. */
  blockedReason: string | null;
  disabled: boolean;
  disabledReason: string | null;
  headers: Record<string, string>;
  headerStyle: HeaderStyle;
  retryScheduleMs: number[] | null;
  secret: string;
  previousSecret: { secret: string; expiresAt: Date } | null;
};

export type EndpointCache = {
  get(id: string): Promise<CachedEndpoint | undefined>;
  invalidate(id: string): void;
};

export function createEndpointCache(deps: {
  db: Database;
  box: SecretBox;
  policy: DestinationPolicy;
  ttlMs?: number;
}): EndpointCache {
  const ttlMs = deps.ttlMs ?? 60_000;
  const entries = new Map<string, { value: Promise<CachedEndpoint | undefined>; expiresAt: number }>();

  async function load(id: string): Promise<CachedEndpoint | undefined> {
    const row = await findEndpointById(deps.db, id);
    if (!row) return undefined;
    const verdict = checkUrlSyntax(row.url, deps.policy);
    return {
      id: row.id,
      applicationId: row.applicationId,
      url: row.url,
      blockedReason: verdict.ok ? null : verdict.reason,
      disabled: row.disabled,
      disabledReason: row.disabledReason,
      headers: row.headers,
      headerStyle: row.headerStyle,
      retryScheduleMs: row.retryScheduleMs,
      secret: deps.box.open(row.secret),
      previousSecret:
        row.previousSecret && row.previousSecretExpiresAt
          ? { secret: deps.box.open(row.previousSecret), expiresAt: row.previousSecretExpiresAt }
          : null,
    };
  }

  return {
    get(id) {
      const hit = entries.get(id);
      if (hit && hit.expiresAt > Date.now()) return hit.value;
      // Concurrent misses share one load; a failed load is not cached.
      const value = load(id);
      entries.set(id, { value, expiresAt: Date.now() + ttlMs });
      value.catch(() => entries.delete(id));
      return value;
    },
    invalidate(id) {
      entries.delete(id);
    },
  };
}

/** The secrets that sign right now: current, plus the previous one during its grace period. */
export function activeSecrets(endpoint: CachedEndpoint, now: Date = new Date()): string[] {
  const previous = endpoint.previousSecret;
  return previous && previous.expiresAt > now ? [endpoint.secret, previous.secret] : [endpoint.secret];
}
