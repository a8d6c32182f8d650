// Operational events: `endpoint.disabled`, `delivery.exhausted`, `endpoint.recovered`. Each is
// logged and, when HOOKLINE_OPERATOR_WEBHOOK_URL is set, written as an event of the operations
// application (see @hookline/db operational-events), inside the transaction of the fact it reports
// where there is one: it then commits with that fact, and the ordinary pipeline delivers it, signed,
// retried, never lost. Events about the operations application itself are only logged, or a failing
// operator endpoint would report on itself forever.
import {
  type AttemptRecord,
  type AutoDisabledEndpoint,
  type Database,
  type Executor,
  insertOperationalEvents,
  type OperationalEvent,
  type RecordedOutcome,
} from "@hookline/db";
import { type DeliveryQueue, enqueueDeliveries } from "@hookline/queue";
import type { Logger } from "pino";

/** Events written in a transaction, to announce once it has committed. */
export type WrittenEvents = { events: OperationalEvent[]; deliveryIds: string[] };

export type OperationalEvents = {
  /** The operations application, or null when events are only logged. */
  applicationId: string | null;
  /** Writes the events inside `tx` (the caller's transaction). */
  write(tx: Executor, events: readonly OperationalEvent[]): Promise<WrittenEvents>;
  /** After the commit: logs the events and enqueues their deliveries. */
  published(written: WrittenEvents): Promise<void>;
  /** For facts that live outside Postgres (a circuit closing): written in a transaction of its own. */
  emit(events: readonly OperationalEvent[]): Promise<void>;
};

export function createOperationalEvents(deps: {
  db: Database;
  queue: DeliveryQueue;
  logger: Logger;
  operationsApplicationId: string | null;
}): OperationalEvents {
  const { db, queue, logger, operationsApplicationId } = deps;

  const self: OperationalEvents = {
    applicationId: operationsApplicationId,
    async write(tx, events) {
      const deliverable = events.filter((event) => event.data.applicationId !== operationsApplicationId);
      const deliveryIds =
        operationsApplicationId && deliverable.length > 0
          ? await insertOperationalEvents(tx, operationsApplicationId, deliverable)
          : [];
      return { events: [...events], deliveryIds };
    },
    async published(written) {
      for (const event of written.events) {
        const level = event.type === "endpoint.recovered" ? "info" : "warn";
        logger[level]({ operationalEvent: event.type, ...event.data }, `operational event ${event.type}`);
      }
      if (written.deliveryIds.length === 0) return;
      await enqueueDeliveries(queue, written.deliveryIds).catch((error: unknown) =>
        logger.warn({ err: error }, "could not enqueue operational events; the reconciler will"),
      );
    },
    async emit(events) {
      if (events.length === 0) return;
      if (!operationsApplicationId) return self.published({ events: [...events], deliveryIds: [] });
      const written = await db.transaction((tx) => self.write(tx, events));
      await self.published(written);
    },
  };
  return self;
}

/** `delivery.exhausted` for each delivery a batch dead-lettered, `endpoint.disabled` for each
 * endpoint it disabled (410 Gone). */
export function outcomeEvents(outcome: RecordedOutcome): OperationalEvent[] {
  return [
    ...outcome.deadLettered.map(exhaustedEvent),
    ...outcome.disabledEndpoints.map(
      (endpoint): OperationalEvent => ({
        type: "endpoint.disabled",
        data: {
          endpointId: endpoint.endpointId,
          applicationId: endpoint.applicationId,
          cause: "gone",
          reason: endpoint.reason,
        },
      }),
    ),
  ];
}

function exhaustedEvent(record: AttemptRecord): OperationalEvent {
  return {
    type: "delivery.exhausted",
    data: {
      deliveryId: record.deliveryId,
      eventId: record.eventId,
      eventType: record.eventType,
      applicationId: record.applicationId,
      endpointId: record.endpointId,
      attempts: record.attemptNumber,
      reason: record.next.kind === "dead" ? record.next.reason : "",
      lastStatusCode: record.statusCode,
      lastErrorClass: record.errorClass,
    },
  };
}

export function autoDisabledEvent(endpoint: AutoDisabledEndpoint): OperationalEvent {
  return {
    type: "endpoint.disabled",
    data: {
      endpointId: endpoint.endpointId,
      applicationId: endpoint.applicationId,
      url: endpoint.url,
      cause: "failing",
      reason: endpoint.reason,
      failingSince: endpoint.failingSince.toISOString(),
    },
  };
}

export function recoveredEvent(
  endpoint: { id: string; applicationId: string; url: string },
  outage: { openedAt: number; now: number },
): OperationalEvent {
  return {
    type: "endpoint.recovered",
    data: {
      endpointId: endpoint.id,
      applicationId: endpoint.applicationId,
      url: endpoint.url,
      downSince: new Date(outage.openedAt).toISOString(),
      downForMs: Math.max(0, outage.now - outage.openedAt),
    },
  };
}
