import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, parseDurationList } from "./duration.js";

describe("durations", () => {
  it("parses and formats each unit", () => {
    for (const [text, ms] of [
      ["250ms", 250],
      ["5s", 5_000],
      ["5m", 300_000],
      ["2h", 7_200_000],
      ["1d", 86_400_000],
    ] as const) {
      expect(parseDuration(text)).toBe(ms);
      expect(formatDuration(ms)).toBe(text);
    }
    expect(formatDuration(1_500)).toBe("1500ms");
  });

  it("refuses what is not a duration", () => {
    for (const text of ["5", "s", "5 s", "-5s", "5w", "1.5s"]) expect(parseDuration(text)).toBeUndefined();
    expect(() => parseDurationList("5s,nope")).toThrow(/"nope"/);
  });
});
