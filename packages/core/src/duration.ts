// Durations as people write them in config and API bodies ("5s", "30m", "250ms").

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

export const DURATION_PATTERN = DURATION;

/** Parses "5s" into 5000. Returns undefined for anything that is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

/** Formats milliseconds with the largest unit that divides them exactly: 300000 → "5m". */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** Parses a comma-separated list of durations; throws naming the bad item. */
export function parseDurationList(text: string): number[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const ms = parseDuration(item);
      if (ms === undefined) throw new Error(`"${item}" is not a duration (use e.g. 250ms, 5s, 5m, 2h, 1d)`);
      return ms;
    });
}
