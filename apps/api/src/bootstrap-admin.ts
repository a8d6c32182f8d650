// The first admin key: from HOOKLINE_ADMIN_KEY when set, else generated once and printed once.
import type { Config } from "@hookline/core";
import { createApiKey, type Database, ensureAdminKey, hasAdminKey } from "@hookline/db";

export type AdminKeyStatus = { kind: "configured" } | { kind: "generated"; key: string } | { kind: "exists" };

export async function bootstrapAdminKey(db: Database, config: Config): Promise<AdminKeyStatus> {
  if (config.adminKey) {
    await ensureAdminKey(db, config.adminKey);
    return { kind: "configured" };
  }
  if (await hasAdminKey(db)) return { kind: "exists" };
  const { key } = await createApiKey(db, { role: "admin", name: "bootstrap" });
  return { kind: "generated", key };
}

export function describeAdminKey(status: AdminKeyStatus): string {
  switch (status.kind) {
    case "generated":
      return `Admin key (shown once; keep it, or set HOOKLINE_ADMIN_KEY): ${status.key}`;
    case "configured":
      return "Admin key: the one in HOOKLINE_ADMIN_KEY";
    case "exists":
      return "Admin key: printed on the first start; `npm run admin-key` mints another";
  }
}
