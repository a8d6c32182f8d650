// /v1/applications/{appId}/stream (SSE), /ws (WebSocket) and /stream-tokens. Declared through the
// route builder like every route, so auth, application scope, validation and the OpenAPI
// description come from one place; everything a client can get wrong is answered with a 4xx
// problem before the stream starts. The SSE handler then takes the response over; the WebSocket
// handler takes the socket.
import type { Request } from "express";
import { z } from "zod";
import type { ApiDeps } from "../deps.js";
import { HttpProblem } from "../problem.js";
import { defineRoute, noContent, type RouteContext } from "../route.js";
import { appIdParam, eventTypeSchema, timestamp } from "../routes/v1/common.js";
import { parseStart, type StreamStart } from "./cursor.js";
import { SLOW_CONSUMER_POLICIES } from "./outbound-buffer.js";
import { StreamSession } from "./session.js";
import { openSseTransport } from "./sse-transport.js";
import { streamTokenOf, type TokenRoutes } from "./stream-auth.js";
import { type ResolvedStart, resolveStart } from "./stream-start.js";
import type { Streams } from "./streams.js";
import type { StreamTransport } from "./transport.js";
import { openWsTransport } from "./ws-transport.js";
import { acceptUpgrade, pendingUpgradeOf } from "./ws-upgrade.js";

export const SSE_PATH = "/v1/applications/:appId/stream";
export const WS_PATH = "/v1/applications/:appId/ws";
/** The routes that accept `?token=` instead of an Authorization header. */
export const STREAM_TOKEN_ROUTES: TokenRoutes = new Set([SSE_PATH, WS_PATH]);

const START_RULE = "must be a cursor this stream sent (`<xid>-<seq>`) or `earliest`";

const appParams = z.strictObject({ appId: appIdParam });

const streamQuery = z.strictObject({
  lastEventId: z
    .string()
    .max(64)
    .refine((text) => parseStart(text) !== undefined, START_RULE)
    .optional()
    .meta({ description: "Resume strictly after this cursor (`earliest`: the whole retained log)" }),
  eventTypes: z
    .string()
    .max(8192)
    .refine(
      (text) => text.split(",").every((type) => eventTypeSchema.safeParse(type).success),
      "must be event types separated by commas",
    )
    .optional()
    .meta({ description: "Only these event types, comma-separated" }),
  policy: z
    .enum(SLOW_CONSUMER_POLICIES)
    .default("disconnect")
    .meta({ description: "What happens when this reader falls a buffer behind" }),
  token: z
    .string()
    .max(1024)
    .optional()
    .meta({ description: "A stream token, for clients that cannot set headers" }),
});

type StreamQuery = z.output<typeof streamQuery>;
type StreamContext = RouteContext<z.output<typeof appParams>, StreamQuery, undefined>;

const tokenOut = z
  .object({ token: z.string(), expiresAt: timestamp })
  .meta({ id: "StreamToken", description: "Pass as `?token=` to the stream routes" });

export function streamRoutes(deps: ApiDeps) {
  return [
    defineRoute({
      method: "get",
      path: SSE_PATH,
      operationId: "v1.stream.sse",
      summary:
        "Stream the application's events as Server-Sent Events (text/event-stream), resumable with Last-Event-ID",
      tags: ["Streams"],
      roles: ["partner", "admin"],
      params: appParams,
      query: streamQuery,
      response: noContent,
      problems: [429],
      handler: async (ctx) => {
        const streams = streamsOf(deps);
        const opening = await openStream(deps, streams, ctx);
        try {
          const transport = openSseTransport(ctx.res, {
            reconnectDelayMs: streams.settings.reconnectDelayMs,
            pingIntervalMs: streams.settings.ssePingIntervalMs,
          });
          await streams.hub.serve(newSession(deps, streams, ctx, opening, transport));
        } finally {
          opening.release();
        }
      },
    }),
    defineRoute({
      method: "get",
      path: WS_PATH,
      operationId: "v1.stream.websocket",
      summary:
        "Stream the application's events over a WebSocket (send an Upgrade request), resumable with ?lastEventId=",
      tags: ["Streams"],
      roles: ["partner", "admin"],
      params: appParams,
      query: streamQuery,
      response: noContent,
      problems: [426, 429],
      handler: async (ctx) => {
        const streams = streamsOf(deps);
        const upgrade = pendingUpgradeOf(ctx.req);
        if (!upgrade) {
          // 426 must name the protocol to switch to (RFC 9110, 15.5.22).
          ctx.res.setHeader("upgrade", "websocket");
          throw new HttpProblem(
            "upgrade-required",
            "this is a WebSocket endpoint: connect with `Upgrade: websocket` (or use /stream for SSE)",
          );
        }
        const opening = await openStream(deps, streams, ctx);
        const ws = await acceptUpgrade(streams.wss, ctx.req, ctx.res, upgrade);
        if (!ws) {
          opening.release();
          return;
        }
        const transport = openWsTransport(ws, {
          reconnectDelayMs: streams.settings.reconnectDelayMs,
          pingIntervalMs: streams.settings.wsPingIntervalMs,
          peerTimeoutMs: streams.settings.wsPeerTimeoutMs,
        });
        void streams.hub.serve(newSession(deps, streams, ctx, opening, transport)).finally(opening.release);
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/applications/:appId/stream-tokens",
      operationId: "v1.stream.createToken",
      summary: "Mint a short-lived stream token for clients that cannot set headers (browsers)",
      tags: ["Streams"],
      roles: ["partner", "admin"],
      params: appParams,
      status: 201,
      response: tokenOut,
      handler: async ({ application, principal }) => {
        const streams = streamsOf(deps);
        const expiresAt = new Date(Date.now() + streams.settings.tokenTtlMs);
        const token = streams.tokens.issue({
          applicationId: application.id,
          keyId: principal.keyId,
          expiresAt,
        });
        return { token, expiresAt: expiresAt.toISOString() };
      },
    }),
  ];
}

type Opening = {
  start: ResolvedStart;
  eventTypes: string[] | undefined;
  release: () => void;
};

/** Everything that can refuse a stream, before it starts: cursor, connection limit, retention. */
async function openStream(deps: ApiDeps, streams: Streams, ctx: StreamContext): Promise<Opening> {
  const start = startOf(ctx.req, ctx.query);
  const eventTypes = ctx.query.eventTypes?.split(",");
  const admission = streams.hub.admit(ctx.principal.keyId);
  switch (admission.kind) {
    case "closing":
      throw new HttpProblem("unavailable", "this API instance is shutting down; connect again", {
        retryAfterSeconds: 1,
      });
    case "too-many":
      throw new HttpProblem(
        "rate-limited",
        `this key already holds ${admission.limit} streams on this instance, the most it may`,
        { retryAfterSeconds: 5 },
      );
    case "admitted":
      break;
  }
  try {
    const fromMemory = () => streams.hub.startFromMemory(ctx.application.id, start);
    const resolved =
      fromMemory() ??
      (await streams.hub.reads.run(
        async () =>
          // Another connection may have started the tailer while this one queued.
          fromMemory() ??
          resolveStart(deps.db, {
            applicationId: ctx.application.id,
            start,
            retentionMs: streams.settings.retentionMs,
            eventTypes,
          }),
      ));
    return { start: resolved, eventTypes, release: admission.release };
  } catch (error) {
    admission.release();
    throw error;
  }
}

/** `Last-Event-ID` (what EventSource sends on reconnect) wins over `?lastEventId=`, which stays in
 * the URL of every reconnect and would otherwise replay from the first position again. */
function startOf(req: Request, query: StreamQuery): StreamStart {
  const header = req.headers["last-event-id"];
  if (header !== undefined) {
    const start = typeof header === "string" ? parseStart(header.trim()) : undefined;
    if (!start) throw new HttpProblem("invalid-request", `Last-Event-ID ${START_RULE}`);
    return start;
  }
  return parseStart(query.lastEventId) as StreamStart;
}

function newSession(
  deps: ApiDeps,
  streams: Streams,
  ctx: StreamContext,
  opening: Opening,
  transport: StreamTransport,
): StreamSession {
  return new StreamSession({
    db: deps.db,
    reads: streams.hub.reads,
    logger: deps.logger,
    tail: streams.hub,
    applicationId: ctx.application.id,
    start: opening.start,
    eventTypes: opening.eventTypes ? new Set(opening.eventTypes) : undefined,
    policy: ctx.query.policy,
    bufferBytes: streams.settings.bufferBytes,
    transport,
    tokenExpiresAt: streamTokenOf(ctx.req)?.expiresAt,
  });
}

function streamsOf(deps: ApiDeps): Streams {
  if (!deps.streams) throw new HttpProblem("unavailable", "this API process serves no streams");
  return deps.streams;
}
