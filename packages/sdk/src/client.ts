// createHooklineClient: the typed client for API v1, one property per resource.
import { applicationsResource } from "./resources/applications.js";
import { deadLettersResource } from "./resources/dead-letters.js";
import { deliveriesResource } from "./resources/deliveries.js";
import { endpointsResource } from "./resources/endpoints.js";
import { eventsResource } from "./resources/events.js";
import { keysResource } from "./resources/keys.js";
import { streamsResource } from "./resources/streams.js";
import { type ApiClient, createTransport, type HooklineClientOptions } from "./transport.js";

export type HooklineClient = ReturnType<typeof createHooklineClient>;

/**
 * @example
 * const hookline = createHooklineClient({ baseUrl: "http://127.0.0.1:8080", apiKey });
 * const app = await hookline.applications.create({ name: "Acme" });
 * await hookline.events.send(app.id, { eventType: "invoice.paid", payload: { amount: 100 } });
 */
export function createHooklineClient(options: HooklineClientOptions) {
  const api: ApiClient = createTransport(options);
  return {
    applications: applicationsResource(api),
    keys: keysResource(api),
    events: eventsResource(api),
    endpoints: endpointsResource(api),
    deliveries: deliveriesResource(api),
    deadLetters: deadLettersResource(api),
    streams: streamsResource(api, options.baseUrl),
    /** The underlying openapi-fetch client, typed by path, for operations not wrapped above. */
    raw: api,
  };
}
