// Plain-text tables for people: one header row, columns padded to the widest cell.

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
  /** Cells longer than this are cut with an ellipsis. Default 60. */
  maxWidth?: number;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row), column.maxWidth ?? 60)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => (line[index] ?? "").length)),
  );
  const format = (line: readonly string[]) =>
    line
      .map((text, index) => (index === line.length - 1 ? text : text.padEnd(widths[index] ?? 0)))
      .join("  ")
      .trimEnd();
  return [
    format(columns.map((column) => column.header.toUpperCase())),
    ...cells.map((line) => format(line)),
  ].join("\n");
}

/** Key–value lines for one record. */
export function renderFields(fields: readonly [string, string | number | boolean | null | undefined][]) {
  const width = Math.max(...fields.map(([name]) => name.length));
  return fields.map(([name, value]) => `${name.padEnd(width)}  ${cell(value, 200)}`).join("\n");
}

/** `2024-05-01T12:00:00.123Z` → `2024-05-01 12:00:00`: tables show UTC to the second. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace("T", " ").slice(0, 19) : "";
}

function cell(value: string | number | boolean | null | undefined, maxWidth: number): string {
  if (value === null || value === undefined) return "-";
  const text = String(value).replace(/\s+/g, " ");
  return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
}
