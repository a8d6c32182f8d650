// Endpoint health over days: an endpoint whose every attempt has failed for long enough is disabled
// (DESIGN.md, Retry policy). `failing_since` is kept by recordAttempts: set at the first failure of
// an unbroken run, cleared by any success.
import { sql } from "drizzle-orm";
import type { Executor } from "../client.js";

export type AutoDisabledEndpoint = {
  endpointId: string;
  applicationId: string;
  url: string;
  failingSince: Date;
  reason: string;
};

/**
 * Disables every enabled endpoint failing since before `failingBefore` and returns them. The row
 * lock makes it safe against a success being recorded at the same moment (that clears
 * `failing_since` first, or waits and then finds the endpoint disabled), and against other workers
 * running the same sweep: each endpoint is returned to exactly one caller.
 */
export async function disableFailingEndpoints(
  db: Executor,
  failingBefore: Date,
  limit = 500,
): Promise<AutoDisabledEndpoint[]> {
  const result = await db.execute<{
    id: string;
    application_id: string;
    url: string;
    failing_since: Date | string;
    disabled_reason: string;
  }>(sql`
    update endpoints e set
      disabled = true,
      disabled_reason = 'every attempt failed since ' ||
        to_char(e.failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
      disabled_at = now(),
      updated_at = now()
    where e.id in (
      select id from endpoints
      where not disabled and failing_since < ${failingBefore.toISOString()}::timestamptz
      order by failing_since
      limit ${limit}
      for update skip locked
    )
    and not e.disabled and e.failing_since < ${failingBefore.toISOString()}::timestamptz
    returning e.id, e.application_id, e.url, e.failing_since, e.disabled_reason`);
  return result.rows.map((row) => ({
    endpointId: row.id,
    applicationId: row.application_id,
    url: row.url,
    failingSince: new Date(row.failing_since),
    reason: row.disabled_reason,
  }));
}
