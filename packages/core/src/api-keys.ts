// API keys: random, role-prefixed, shown once, stored only as SHA-256 hashes.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const ROLES = ["admin", "producer", "partner"] as const;
export type Role = (typeof ROLES)[number];

const ROLE_PREFIX: Record<Role, string> = { admin: "hk_admin_", producer: "hk_prod_", partner: "hk_part_" };

export function generateApiKey(role: Role): string {
  return ROLE_PREFIX[role] + randomBytes(24).toString("base64url");
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The role prefix and the first four random characters of a key: enough to tell keys apart in a
 * list, far too little to guess the rest. (The random part is base64url, so it may contain "_"
 * itself: the prefix is matched, not found by the last underscore.) */
export function keyHint(key: string): string {
  const prefix = /^hk_[a-z]+_/.exec(key)?.[0] ?? "";
  return `${prefix}${key.slice(prefix.length, prefix.length + 4)}…`;
}
