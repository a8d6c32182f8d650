// Recognising Postgres errors that are outcomes, not failures.

export function isUniqueViolation(error: unknown): boolean {
  return pgCode(error) === "23505";
}

export function isForeignKeyViolation(error: unknown): boolean {
  return pgCode(error) === "23503";
}

function pgCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const own = (error as { code?: unknown }).code;
  if (typeof own === "string") return own;
  // drizzle wraps driver errors; the pg error is the cause.
  return pgCode((error as { cause?: unknown }).cause);
}
