// Thrown when the API could not be reached at all (refused, reset, DNS): no answer to read.
export class HooklineConnectionError extends Error {
  override name = "HooklineConnectionError";

  constructor(
    readonly operation: string,
    readonly baseUrl: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? describe(options.cause) : String(options.cause);
    super(`${operation}: could not reach ${baseUrl} (${reason})`, options);
  }
}

/** `fetch failed` says nothing; the useful part (ECONNREFUSED …) is in its cause. */
function describe(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}
