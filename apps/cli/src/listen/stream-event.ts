// One event of an application's stream (`data: {id, type, timestamp, data}`) and the signed
// request `listen` forwards for it: the same body and headers a real delivery carries.
import { type HeaderStyle, signatureHeaders, USER_AGENT, webhookBody } from "@hookline/core";

export interface StreamEvent {
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
}

/** The event in an SSE `data:` field, or a reason why it is not one. */
export function parseStreamEvent(text: string): StreamEvent | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: `not JSON: ${text.slice(0, 80)}` };
  }
  if (typeof value !== "object" || value === null) return { error: "not a JSON object" };
  const { id, type, timestamp, data } = value as Record<string, unknown>;
  if (typeof id !== "string" || id === "") return { error: "no id" };
  if (typeof type !== "string" || type === "") return { error: `event ${id} has no type` };
  if (typeof timestamp !== "string" || Number.isNaN(Date.parse(timestamp))) {
    return { error: `event ${id} has no valid timestamp` };
  }
  return { id, type, timestamp, data };
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** Body `{type, timestamp, data}` and Standard Webhooks headers, signed now with `secret`. */
export function signedRequestFor(
  event: StreamEvent,
  options: { secret: string; now: Date; headerStyle?: HeaderStyle },
): SignedRequest {
  const body = webhookBody({ type: event.type, createdAt: new Date(event.timestamp), payload: event.data });
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": `${USER_AGENT} (hookline listen)`,
      ...signatureHeaders({
        style: options.headerStyle ?? "standard",
        secrets: [options.secret],
        id: event.id,
        timestampSeconds: Math.floor(options.now.getTime() / 1000),
        body,
      }),
    },
  };
}
