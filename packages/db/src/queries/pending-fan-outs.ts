// Large fan-outs, second half: the worker writes the deliveries that ingest announced (see
// FAN_OUT_WRITTEN_AT_INGEST_MAX), and the reconciler finds events whose write-deliveries job was lost.
import { smallestIdAt } from "@hookline/core";
import type { Database } from "../client.js";
import { deliveryIdSql } from "./delivery-id.js";

// Taking the pending row and writing the deliveries is one statement: a second job for the same event
// (a reconciler's, a retry's) waits on the row lock, then finds it gone and writes nothing. An
// endpoint deleted since ingest is skipped, as its deliveries would have been deleted with it.
const WRITE_PENDING_FAN_OUTS_SQL = `
with taken as (
  delete from pending_fan_outs where event_id = any($1::text[]) returning event_id, endpoint_ids
)
insert into deliveries (id, application_id, event_id, endpoint_id, event_type, next_attempt_at)
select ${deliveryIdSql("ev.id", "e.id")}, ev.application_id, ev.id, e.id, ev.event_type, ev.created_at
from taken
join events ev on ev.id = taken.event_id
cross join unnest(taken.endpoint_ids) as target(endpoint_id)
join endpoints e on e.id = target.endpoint_id
returning id`;

/** Writes the deliveries of the given events' pending fan-outs; returns their ids, to enqueue.
 * Events whose deliveries are already written (or that are gone) yield none. */
export async function writePendingFanOuts(db: Database, eventIds: readonly string[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const { rows } = await db.$client.query<{ id: string }>({
    name: "hookline.write-pending-fan-outs",
    text: WRITE_PENDING_FAN_OUTS_SQL,
    values: [eventIds],
  });
  return rows.map((row) => row.id);
}

/** Events accepted before `before` whose deliveries are still to be written, oldest first. */
export async function pendingFanOutsBefore(db: Database, before: Date, limit: number): Promise<string[]> {
  const { rows } = await db.$client.query<{ event_id: string }>({
    name: "hookline.pending-fan-outs-before",
    // Event ids sort by their time, so the primary key serves the bound and the order.
    text: "select event_id from pending_fan_outs where event_id < $1 order by event_id limit $2",
    values: [smallestIdAt("event", before), limit],
  });
  return rows.map((row) => row.event_id);
}
