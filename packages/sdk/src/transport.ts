// The openapi-fetch client every resource calls, with auth and typed errors: a call either
// resolves to the operation's typed answer or throws HooklineApiError / HooklineConnectionError.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { HooklineApiError } from "./api-error.js";
import { HooklineConnectionError } from "./connection-error.js";
import type { paths } from "./schema.js";

export type ApiClient = Client<paths>;

export interface HooklineClientOptions {
  /** Where the API runs, e.g. `https://hookline.example.com` or `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** An admin, producer or partner key; sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** A fetch to use instead of the global one (proxies, tests). */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

export function createTransport(options: HooklineClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const api = createClient<paths>({
    baseUrl,
    headers: { ...options.headers, authorization: `Bearer ${options.apiKey}` },
    // 3xx is never an answer of this API; following one could send the key elsewhere.
    redirect: "manual",
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  api.use(typedErrors(baseUrl));
  return api;
}

function typedErrors(baseUrl: string): Middleware {
  return {
    async onResponse({ request, response, schemaPath }) {
      if (response.ok) return undefined;
      const text = await response.clone().text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {}
      const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
      throw new HooklineApiError(
        `${request.method} ${schemaPath}`,
        response.status,
        body,
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    },
    onError({ request, error, schemaPath }) {
      return new HooklineConnectionError(`${request.method} ${schemaPath}`, baseUrl, { cause: error });
    },
  };
}

/**
 * The typed answer of a call. Failures were already thrown by the middleware, so `data` is the
 * success branch (undefined only for 204 answers).
 */
export async function answer<T>(call: Promise<{ data?: T }>): Promise<T> {
  const { data } = await call;
  return data as T;
}
