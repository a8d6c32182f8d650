// Who may open a stream: an API key in the Authorization header, as everywhere, or on the stream
// routes only a stream token in `?token=` (browsers cannot set headers on EventSource or WebSocket).
// A token's principal is its key's, narrowed to the token's application, so the route builder's
// usual application check turns a token for another application into a 404.
import { type Database, findActiveKeyById } from "@hookline/db";
import type { Request } from "express";
import type { Authenticator, Principal } from "../auth.js";
import { HttpProblem } from "../problem.js";
import type { StreamTokenClaims, StreamTokens } from "./stream-token.js";

/** Route paths (Express syntax) that accept `?token=`. */
export type TokenRoutes = ReadonlySet<string>;

export function acceptStreamTokens(
  authenticateKey: Authenticator,
  deps: { db: Database; tokens: StreamTokens; tokenRoutes: TokenRoutes },
): Authenticator {
  return async (req) => {
    const token = req.query.token;
    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    if (token === undefined || typeof routePath !== "string" || !deps.tokenRoutes.has(routePath)) {
      return authenticateKey(req);
    }
    if (typeof token !== "string") throw new HttpProblem("unauthorized", "give one `token` parameter");
    if (req.headers.authorization !== undefined) {
      throw new HttpProblem("invalid-request", "send either an API key or a stream token, not both");
    }
    const claims = verifiedClaims(deps.tokens, token);
    const key = await findActiveKeyById(deps.db, claims.keyId);
    if (!key) throw new HttpProblem("unauthorized", "the API key behind this stream token was revoked");
    const principal: Principal = { keyId: key.id, role: key.role, applicationId: claims.applicationId };
    if (req.res) (req.res.locals as StreamLocals).streamToken = claims;
    return principal;
  };
}

/** The token a stream was opened with, if any: the stream ends when it expires. */
export function streamTokenOf(req: Request): StreamTokenClaims | undefined {
  return (req.res?.locals as StreamLocals | undefined)?.streamToken;
}

/** Per-request state lives in res.locals, Express' place for it. */
type StreamLocals = { streamToken?: StreamTokenClaims };

function verifiedClaims(tokens: StreamTokens, token: string): StreamTokenClaims {
  const verdict = tokens.verify(token);
  switch (verdict.kind) {
    case "valid":
      return verdict.claims;
    case "malformed":
      throw new HttpProblem("unauthorized", "the stream token is malformed");
    case "forged":
      throw new HttpProblem("unauthorized", "the stream token's signature does not match");
    case "expired":
      throw new HttpProblem(
        "unauthorized",
        `the stream token expired at ${verdict.expiredAt.toISOString()}; mint another with POST /v1/applications/{appId}/stream-tokens`,
      );
  }
}
