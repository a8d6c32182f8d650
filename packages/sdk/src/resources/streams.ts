// /v1/applications/{appId}/stream…: the realtime streams. The streams themselves are read with an
// SSE or WebSocket client (`streamUrl` builds the address); this mints tokens for browsers.
import { type ApiClient, answer } from "../transport.js";
import type { StreamQuery, StreamToken } from "../types.js";

/** The SSE stream's URL (`transport: "ws"`: the WebSocket's), with its query. */
export function streamUrl(
  baseUrl: string,
  appId: string,
  query: StreamQuery = {},
  transport: "sse" | "ws" = "sse",
): URL {
  const path = `/v1/applications/${encodeURIComponent(appId)}/${transport === "sse" ? "stream" : "ws"}`;
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  if (transport === "ws") url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url;
}

export function streamsResource(api: ApiClient, baseUrl: string) {
  return {
    /** A short-lived token to pass as `?token=`, for clients that cannot set headers (browsers). */
    createToken: (appId: string): Promise<StreamToken> =>
      answer(api.POST("/v1/applications/{appId}/stream-tokens", { params: { path: { appId } } })),
    url: (appId: string, query: StreamQuery = {}, transport: "sse" | "ws" = "sse") =>
      streamUrl(baseUrl, appId, query, transport),
  };
}
