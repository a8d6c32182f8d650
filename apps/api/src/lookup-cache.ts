// A small read-through cache for lookups the request path repeats on every call (API key → principal,
// application by id). Only found values are kept, for `ttlMs`: a new key or application works at
// once, a revoked key stops working within `ttlMs`. Concurrent misses for one key share one load; a
// failed load is not kept. The oldest entries go first once `maxEntries` is reached.

export type LookupCacheOptions = {
  /** How long a found value is served without asking again; 0 turns the cache off. */
  ttlMs: number;
  /** Most entries kept (default 10,000). */
  maxEntries?: number;
  now?: () => number;
};

export type LookupCache<V> = {
  get(key: string): Promise<V | undefined>;
  delete(key: string): void;
};

/**
 * @example
 * const keys = createLookupCache((hash) => findActiveKeyByHash(db, hash), { ttlMs: 5_000 });
 * const record = await keys.get(hashApiKey(text));
 */
export function createLookupCache<V>(
  load: (key: string) => Promise<V | undefined>,
  options: LookupCacheOptions,
): LookupCache<V> {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: Promise<V | undefined>; expiresAt: number }>();

  return {
    get(key) {
      if (options.ttlMs <= 0) return load(key);
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now()) return hit.value;
      if (hit) entries.delete(key);
      const value = load(key);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      const entry = { value, expiresAt: now() + options.ttlMs };
      entries.set(key, entry);
      // Not found or failed: forget it, so the next request asks again.
      value.then(
        (found) => {
          if (found === undefined && entries.get(key) === entry) entries.delete(key);
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return value;
    },
    delete(key) {
      entries.delete(key);
    },
  };
}
