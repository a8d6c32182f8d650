// /v1/applications: tenants (admin keys).
import { type Page, paginate } from "../pagination.js";
import { type ApiClient, answer } from "../transport.js";
import type { Application, CreateApplication, PageQuery } from "../types.js";

export function applicationsResource(api: ApiClient) {
  const list = (query: PageQuery = {}): Promise<Page<Application>> =>
    answer(api.GET("/v1/applications", { params: { query } }));
  return {
    create: (body: CreateApplication): Promise<Application> => answer(api.POST("/v1/applications", { body })),
    list,
    /** Every application, page by page. */
    listAll: (query: PageQuery = {}) => paginate((cursor) => list({ ...query, cursor })),
    /** By `app_…` id or by the uid its creator chose. */
    get: (appId: string): Promise<Application> =>
      answer(api.GET("/v1/applications/{appId}", { params: { path: { appId } } })),
  };
}
