// /v1/applications/{appId}/deliveries: the delivery log with its attempts, and manual retry.
import { type Page, paginate } from "../pagination.js";
import { type ApiClient, answer } from "../transport.js";
import type { Delivery, DeliveryFilter, DeliveryWithAttempts } from "../types.js";

const ONE = "/v1/applications/{appId}/deliveries/{deliveryId}";

export function deliveriesResource(api: ApiClient) {
  const list = (appId: string, query: DeliveryFilter = {}): Promise<Page<Delivery>> =>
    answer(api.GET("/v1/applications/{appId}/deliveries", { params: { path: { appId }, query } }));
  return {
    /** Newest first; filter by `status`, `endpointId`, `eventType`, `eventId`. */
    list,
    listAll: (appId: string, query: DeliveryFilter = {}) =>
      paginate((cursor) => list(appId, { ...query, cursor })),
    /** One delivery with every attempt. */
    get: (appId: string, deliveryId: string): Promise<DeliveryWithAttempts> =>
      answer(api.GET(ONE, { params: { path: { appId, deliveryId } } })),
    /** Delivers again now, same webhook-id, fresh retry schedule. */
    retry: (appId: string, deliveryId: string): Promise<Delivery> =>
      answer(api.POST(`${ONE}/retry`, { params: { path: { appId, deliveryId } } })),
  };
}
