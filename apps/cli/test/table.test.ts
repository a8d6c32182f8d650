import { describe, expect, it } from "vitest";
import { renderFields, renderTable, shortTime } from "../src/table.js";

describe("renderTable", () => {
  const columns = [
    { header: "id", value: (row: { id: string; n: number | null }) => row.id },
    { header: "n", value: (row: { id: string; n: number | null }) => row.n },
  ];

  it("pads every column to its widest cell under an upper-case header", () => {
    expect(
      renderTable(
        [
          { id: "a", n: 1 },
          { id: "bbbb", n: 22 },
        ],
        columns,
      ),
    ).toBe(["ID    N", "a     1", "bbbb  22"].join("\n"));
  });

  it("shows a dash for missing values and cuts long cells with an ellipsis", () => {
    const long = [{ header: "text", value: (row: string) => row, maxWidth: 5 }];
    expect(renderTable(["abcdefgh", "line\nbreak"], long)).toBe(["TEXT", "abcd…", "line…"].join("\n"));
    expect(renderTable([{ id: "x", n: null }], columns)).toBe(["ID  N", "x   -"].join("\n"));
  });
});

describe("renderFields", () => {
  it("aligns values after the longest name", () => {
    expect(
      renderFields([
        ["id", "x"],
        ["status", "ok"],
        ["none", null],
      ]),
    ).toBe(["id      x", "status  ok", "none    -"].join("\n"));
  });
});

describe("shortTime", () => {
  it("shows UTC to the second", () => {
    expect(shortTime("2024-05-01T12:34:56.789Z")).toBe("2024-05-01 12:34:56");
    expect(shortTime(null)).toBe("");
  });
});
