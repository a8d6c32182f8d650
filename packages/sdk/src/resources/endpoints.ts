// /v1/applications/{appId}/endpoints: where an application's events go (partner, admin keys).
import { type Page, paginate } from "../pagination.js";
import { type ApiClient, answer } from "../transport.js";
import type {
  CreateEndpoint,
  Endpoint,
  EndpointSecret,
  EndpointUpdateResult,
  PageQuery,
  RotateSecret,
  TestEventResult,
  UpdateEndpoint,
} from "../types.js";

const ONE = "/v1/applications/{appId}/endpoints/{endpointId}";

export function endpointsResource(api: ApiClient) {
  const list = (appId: string, query: PageQuery = {}): Promise<Page<Endpoint>> =>
    answer(api.GET("/v1/applications/{appId}/endpoints", { params: { path: { appId }, query } }));
  return {
    create: (appId: string, body: CreateEndpoint): Promise<Endpoint> =>
      answer(api.POST("/v1/applications/{appId}/endpoints", { params: { path: { appId } }, body })),
    list,
    listAll: (appId: string, query: PageQuery = {}) =>
      paginate((cursor) => list(appId, { ...query, cursor })),
    get: (appId: string, endpointId: string): Promise<Endpoint> =>
      answer(api.GET(ONE, { params: { path: { appId, endpointId } } })),
    /** Changes only the fields given (`replayMissed` with re-enabling: redeliver what failed meanwhile). */
    update: (appId: string, endpointId: string, body: UpdateEndpoint): Promise<EndpointUpdateResult> =>
      answer(api.PATCH(ONE, { params: { path: { appId, endpointId } }, body })),
    delete: (appId: string, endpointId: string): Promise<void> =>
      answer(api.DELETE(ONE, { params: { path: { appId, endpointId } } })),
    /** The current signing secret (`whsec_…`). */
    getSecret: (appId: string, endpointId: string): Promise<EndpointSecret> =>
      answer(api.GET(`${ONE}/secret`, { params: { path: { appId, endpointId } } })),
    /** A new secret (or the one given); the old one keeps signing for the grace period. */
    rotateSecret: (appId: string, endpointId: string, body: RotateSecret = {}): Promise<EndpointSecret> =>
      answer(api.POST(`${ONE}/secret/rotate`, { params: { path: { appId, endpointId } }, body })),
    /** Sends a `webhook.test` event to this endpoint only. */
    test: (appId: string, endpointId: string): Promise<TestEventResult> =>
      answer(api.POST(`${ONE}/test`, { params: { path: { appId, endpointId } } })),
  };
}
