// /v1/keys: API keys (admin keys). The key text is returned once, by `create`.
import { type Page, paginate } from "../pagination.js";
import { type ApiClient, answer } from "../transport.js";
import type { ApiKey, CreatedApiKey, CreateKey, PageQuery } from "../types.js";

export function keysResource(api: ApiClient) {
  const list = (query: PageQuery = {}): Promise<Page<ApiKey>> =>
    answer(api.GET("/v1/keys", { params: { query } }));
  return {
    create: (body: CreateKey): Promise<CreatedApiKey> => answer(api.POST("/v1/keys", { body })),
    list,
    listAll: (query: PageQuery = {}) => paginate((cursor) => list({ ...query, cursor })),
    revoke: (keyId: string): Promise<void> =>
      answer(api.DELETE("/v1/keys/{keyId}", { params: { path: { keyId } } })),
  };
}
