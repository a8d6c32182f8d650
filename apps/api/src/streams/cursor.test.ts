import { describe, expect, it } from "vitest";
import {
  belowHorizon,
  comparePositions,
  formatCursor,
  isAfter,
  MAX_SEQ,
  parseCursor,
  parseStart,
  START_OF_STREAM,
} from "./cursor.js";

describe("stream cursors", () => {
  it("round-trips a position through its text form", () => {
    const position = { xid: 123456789012n, seq: 42n };
    expect(formatCursor(position)).toBe("123456789012-42");
    expect(parseCursor("123456789012-42")).toEqual(position);
  });

  it.each([
    "",
    "12",
    "12-",
    "-12",
    "a-1",
    "1-b",
    "1-2-3",
    " 1-2",
    "1-2 ",
    "+1-2",
    "1.5-2",
    "0x10-1",
    "18446744073709551616-1", // xid8 overflows
    "1-9223372036854775808", // bigint overflows
    "123456789012345678901-1",
  ])("refuses %j", (text) => {
    expect(parseCursor(text)).toBeUndefined();
  });

  it("accepts the largest positions Postgres can hold", () => {
    expect(parseCursor(`18446744073709551615-${MAX_SEQ}`)).toEqual({ xid: 2n ** 64n - 1n, seq: MAX_SEQ });
  });

  it("orders by transaction first, then by order within it", () => {
    expect(comparePositions({ xid: 5n, seq: 100n }, { xid: 6n, seq: 1n })).toBeLessThan(0);
    expect(comparePositions({ xid: 6n, seq: 2n }, { xid: 6n, seq: 1n })).toBeGreaterThan(0);
    expect(comparePositions({ xid: 6n, seq: 1n }, { xid: 6n, seq: 1n })).toBe(0);
  });

  it("places the below-horizon mark after every position of older transactions and before newer ones", () => {
    const mark = belowHorizon(100n);
    expect(isAfter(mark, { xid: 99n, seq: 10n ** 15n })).toBe(true);
    expect(isAfter({ xid: 100n, seq: 1n }, mark)).toBe(true);
    expect(parseCursor(formatCursor(mark))).toEqual(mark);
  });

  it("reads a start: nothing is the live tail, `earliest` the whole log, else a cursor", () => {
    expect(parseStart(undefined)).toEqual({ kind: "live" });
    expect(parseStart("earliest")).toEqual({ kind: "earliest" });
    expect(parseStart("7-3")).toEqual({ kind: "after", position: { xid: 7n, seq: 3n }, cursor: "7-3" });
    expect(parseStart("latest")).toBeUndefined();
    expect(parseStart("0-0")).toEqual({ kind: "after", position: START_OF_STREAM, cursor: "0-0" });
  });
});
