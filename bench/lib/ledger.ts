// The ledger: what the API accepted (its 202 answers) against what the receiver got and what
// Postgres recorded. A scenario balances when every accepted delivery reached the receiver, nothing
// arrived that was not sent, every delivery is `succeeded` in Postgres and every request the
// receiver saw has its attempt row. A scenario that does not balance is void.
import type { Database } from "@hookline/db";
import type { Arrival } from "./receiver-client.js";

export type Accepted = { id: string; deliveries: { id: string; endpointId: string }[] };

export type LedgerReport = {
  scenario: string;
  events: number;
  /** Deliveries the API accepted. */
  sent: number;
  /** Distinct (event, endpoint) pairs the receiver got that were sent. */
  delivered: number;
  missing: number;
  unexpected: number;
  /** Requests beyond the first per (event, endpoint): at-least-once repeats. */
  repeats: number;
  postgres: { deliveries: number; succeeded: number; pending: number; failed: number; attempts: number };
  receiverRequests: number;
  balanced: boolean;
  problems: string[];
};

export class Ledger {
  readonly accepted = new Map<string, string[]>();
  /** First arrival time per `${eventId} ${endpointId}`. */
  readonly firstArrival = new Map<string, number>();
  private unexpected = 0;
  private repeats = 0;
  private requests = 0;
  private rejected = 0;

  constructor(
    readonly scenario: string,
    readonly applicationIds: string[],
    /** Receiver path → endpoint id for this scenario's endpoints. */
    private readonly endpointByPath: Map<string, string>,
  ) {}

  /** Records one API answer; returns the accepted event, if it was. */
  acceptAnswer(status: number, body: string): Accepted[] {
    if (status !== 202 && status !== 200) {
      this.rejected++;
      return [];
    }
    const parsed = JSON.parse(body) as Accepted | { data: Accepted[] };
    const events = "data" in parsed ? parsed.data : [parsed];
    for (const event of events) {
      this.accepted.set(
        event.id,
        event.deliveries.map((delivery) => delivery.endpointId),
      );
    }
    return events;
  }

  /** Deliveries the API accepted so far (events × their endpoints). */
  get sentDeliveries(): number {
    let sent = 0;
    for (const endpoints of this.accepted.values()) sent += endpoints.length;
    return sent;
  }

  get rejectedAnswers(): number {
    return this.rejected;
  }

  /** Takes this scenario's arrivals. */
  arrive(arrival: Arrival): void {
    const [eventId, path, at] = arrival;
    this.requests++;
    const endpointId = this.endpointByPath.get(path);
    const key = `${eventId} ${endpointId}`;
    if (!endpointId || !this.accepted.get(eventId)?.includes(endpointId)) {
      this.unexpected++;
      return;
    }
    if (this.firstArrival.has(key)) this.repeats++;
    else this.firstArrival.set(key, at);
  }

  /** When the receiver first got this event at this endpoint (epoch ms), if it did. */
  arrivalOf(eventId: string, endpointId: string): number | undefined {
    return this.firstArrival.get(`${eventId} ${endpointId}`);
  }

  ownsPath(path: string): boolean {
    return this.endpointByPath.has(path);
  }

  async check(db: Database): Promise<LedgerReport> {
    let sent = 0;
    for (const endpoints of this.accepted.values()) sent += endpoints.length;
    const delivered = this.firstArrival.size;
    const counts = await db.$client.query<{ status: string; n: string }>(
      "select status, count(*) as n from deliveries where application_id = any($1) group by status",
      [this.applicationIds],
    );
    const byStatus = Object.fromEntries(counts.rows.map((row) => [row.status, Number(row.n)]));
    const attempts = await db.$client.query<{ n: string }>(
      "select count(*) as n from attempts a join deliveries d on d.id = a.delivery_id where d.application_id = any($1)",
      [this.applicationIds],
    );
    const postgres = {
      deliveries: (byStatus.succeeded ?? 0) + (byStatus.pending ?? 0) + (byStatus.failed ?? 0),
      succeeded: byStatus.succeeded ?? 0,
      pending: byStatus.pending ?? 0,
      failed: byStatus.failed ?? 0,
      attempts: Number(attempts.rows[0]?.n ?? 0),
    };
    const problems: string[] = [];
    if (sent - delivered > 0)
      problems.push(`${sent - delivered} accepted deliveries never reached the receiver`);
    if (this.unexpected > 0) problems.push(`${this.unexpected} requests the API never accepted`);
    if (postgres.deliveries !== sent) {
      const unseen = await db.$client.query<{ id: string; created_at: Date }>(
        "select id, created_at from events where application_id = any($1) and not (id = any($2)) order by id limit 3",
        [this.applicationIds, [...this.accepted.keys()]],
      );
      const examples = unseen.rows.map((row) => `${row.id} at ${row.created_at.toISOString()}`).join(", ");
      problems.push(
        `Postgres holds ${postgres.deliveries} deliveries, the API accepted ${sent} (unanswered: ${examples})`,
      );
    }
    if (postgres.succeeded !== sent)
      problems.push(`${sent - postgres.succeeded} deliveries not succeeded in Postgres`);
    if (postgres.attempts !== this.requests)
      problems.push(`${postgres.attempts} attempts recorded for ${this.requests} requests received`);
    if (this.rejected > 0) problems.push(`${this.rejected} ingest requests were not accepted`);
    return {
      scenario: this.scenario,
      events: this.accepted.size,
      sent,
      delivered,
      missing: sent - delivered,
      unexpected: this.unexpected,
      repeats: this.repeats,
      postgres,
      receiverRequests: this.requests,
      balanced: problems.length === 0,
      problems,
    };
  }
}

/** Hands the receiver's arrivals to the ledger whose endpoints they hit. */
export function routeArrivals(arrivals: readonly Arrival[], ledgers: readonly Ledger[]): number {
  let stray = 0;
  for (const arrival of arrivals) {
    const owner = ledgers.find((ledger) => ledger.ownsPath(arrival[1]));
    if (owner) owner.arrive(arrival);
    else stray++;
  }
  return stray;
}
