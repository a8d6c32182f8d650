// A delivery's id, made in SQL wherever a delivery is written or announced before it is written: the
// event's time, then 64 bits of md5 over (event, endpoint) in upper-case hex, which is valid Crockford
// base32 — one per event and endpoint, and sortable by time like every id. Ingest answers with the
// ids of deliveries the worker writes later, and they are the ids it writes.

/** The SQL expression for the delivery of event `eventId` to endpoint `endpointId` (column names). */
export const deliveryIdSql = (eventId: string, endpointId: string) =>
  `'dlv_' || substr(${eventId}, 5, 10) || upper(substr(md5(${eventId} || ${endpointId}), 1, 16))`;
