// Where results go: tables and sentences for people, or JSON on stdout with --json.
import type { CliIo } from "./io.js";
import { type Column, renderTable } from "./table.js";

export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** The result of a command: `value` as JSON, or what `human` renders. */
  result(value: unknown, human: () => string): void {
    this.io.stdout.write(`${this.json ? JSON.stringify(value, null, 2) : human()}\n`);
  }

  /** A list: the page as JSON (`{data, nextCursor}`), or a table and a hint for the next page. */
  list<T>(page: { data: T[]; nextCursor: string | null }, columns: Column<T>[], noun: string): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return;
    }
    if (page.data.length === 0) {
      this.io.stdout.write(`no ${noun}\n`);
      return;
    }
    this.io.stdout.write(`${renderTable(page.data, columns)}\n`);
    if (page.nextCursor) this.note(`more ${noun}: add --cursor ${page.nextCursor} (or --all)`);
  }

  /** One JSON document per line (streams, e.g. `listen --json`). */
  line(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** Text for people only, on stdout; nothing in JSON mode. */
  say(text: string): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** Status and hints on stderr, so stdout stays the result. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}
