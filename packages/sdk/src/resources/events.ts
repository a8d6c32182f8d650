// /v1/applications/{appId}/events: send events (producer, admin) and read the event log.
import { type Page, paginate } from "../pagination.js";
import { type ApiClient, answer } from "../transport.js";
import type {
  BatchIngestResult,
  Event,
  EventFilter,
  EventWithDeliveries,
  IngestResult,
  SendEvent,
  SendEvents,
} from "../types.js";

export function eventsResource(api: ApiClient) {
  const list = (appId: string, query: EventFilter = {}): Promise<Page<Event>> =>
    answer(api.GET("/v1/applications/{appId}/events", { params: { path: { appId }, query } }));
  return {
    /**
     * Records the event and fans it out to every matching endpoint. With an `idempotencyKey`, a
     * repeat returns the first event (`duplicate: true`) instead of sending again.
     */
    send: (appId: string, body: SendEvent): Promise<IngestResult> =>
      answer(api.POST("/v1/applications/{appId}/events", { params: { path: { appId } }, body })),
    /** Up to 1000 events recorded in one transaction; one result per event, in order. */
    sendBatch: (appId: string, body: SendEvents): Promise<BatchIngestResult> =>
      answer(api.POST("/v1/applications/{appId}/events/batch", { params: { path: { appId } }, body })),
    list,
    listAll: (appId: string, query: EventFilter = {}) =>
      paginate((cursor) => list(appId, { ...query, cursor })),
    /** One event with its deliveries. */
    get: (appId: string, eventId: string): Promise<EventWithDeliveries> =>
      answer(api.GET("/v1/applications/{appId}/events/{eventId}", { params: { path: { appId, eventId } } })),
  };
}
