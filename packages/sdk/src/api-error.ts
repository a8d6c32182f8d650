// The error every failed API call throws: the HTTP status and the problem+json the API answered.
import type { Problem } from "./types.js";

/**
 * What the API says went wrong, read from the problem `type` (`/problems/not-found` → `not-found`).
 * `unknown` covers answers that are not a Hookline problem (a proxy's 502, say).
 */
export type ProblemKind =
  | "invalid-request"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "method-not-allowed"
  | "conflict"
  | "payload-too-large"
  | "unsupported-media-type"
  | "rate-limited"
  | "internal"
  | "unavailable"
  | "unknown";

const KINDS: ReadonlySet<string> = new Set<ProblemKind>([
  "invalid-request",
  "unauthorized",
  "forbidden",
  "not-found",
  "method-not-allowed",
  "conflict",
  "payload-too-large",
  "unsupported-media-type",
  "rate-limited",
  "internal",
  "unavailable",
]);

export class HooklineApiError extends Error {
  override name = "HooklineApiError";
  readonly kind: ProblemKind;
  /** The problem document, when the API answered one. */
  readonly problem: Problem | undefined;

  constructor(
    /** `METHOD /path/{param}` of the call that failed. */
    readonly operation: string,
    readonly status: number,
    body: unknown,
    /** Seconds the API asked to wait (429, 503), from `Retry-After`. */
    readonly retryAfterSeconds?: number,
  ) {
    const problem = isProblem(body) ? body : undefined;
    const detail = problem?.detail ?? (typeof body === "string" && body ? body.slice(0, 200) : "no detail");
    super(`${operation} answered ${status}: ${detail}`);
    this.problem = problem;
    this.kind = kindOf(problem);
  }

  /** Field-level validation messages (`body.url: …`) of a 400. */
  get fieldErrors(): { path: string; message: string }[] {
    return this.problem?.errors ?? [];
  }
}

export function isHooklineApiError(error: unknown, kind?: ProblemKind): error is HooklineApiError {
  return error instanceof HooklineApiError && (kind === undefined || error.kind === kind);
}

function kindOf(problem: Problem | undefined): ProblemKind {
  const kind = problem?.type.split("/").at(-1) ?? "";
  return KINDS.has(kind) ? (kind as ProblemKind) : "unknown";
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== "object" || body === null) return false;
  const { type, status, detail } = body as Record<string, unknown>;
  return typeof type === "string" && typeof status === "number" && typeof detail === "string";
}
