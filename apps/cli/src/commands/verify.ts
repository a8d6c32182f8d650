// `hookline verify`: checks one delivery (headers, body, secret) and says exactly why its
// signature fails, with the receiver kit's diagnose().
import { readFile } from "node:fs/promises";
import { type Diagnosis, diagnose } from "@hookline/receiver";
import type { Command } from "commander";
import { collectValues, nonNegativeInteger } from "../arguments.js";
import { type Cli, contextOf } from "../context.js";
import { readAll, UsageError } from "../io.js";
import { renderTable } from "../table.js";
import { type HeaderMap, parseHeaderLines, parseHeadersFile } from "../verify/header-input.js";

interface VerifyOptions {
  secret: string[];
  header?: string[];
  headersFile?: string;
  body?: string;
  bodyFile?: string;
  tolerance?: number;
  now?: string;
}

export function registerVerify(program: Command, cli: Cli): void {
  program
    .command("verify")
    .description("check a delivery's signature and explain why it fails")
    .requiredOption(
      "--secret <whsec>",
      "the endpoint's secret (repeat for old and new while rotating)",
      collectValues,
    )
    .option("-H, --header <line>", 'a header, "name: value" (repeatable)', collectValues)
    .option("--headers-file <path>", "headers as JSON or as name: value lines")
    .option("--body <text>", "the body exactly as received")
    .option("--body-file <path>", "read the body's raw bytes from a file, or - for stdin")
    .option("--tolerance <seconds>", "how old or new the timestamp may be", nonNegativeInteger)
    .option("--now <time>", "judge the timestamp as of this time (unix seconds or ISO-8601)")
    .addHelpText(
      "after",
      `
Example:
  hookline verify --secret whsec_... \\
    -H "webhook-id: msg_..." -H "webhook-timestamp: 1714557600" -H "webhook-signature: v1,..." \\
    --body-file body.json
Exit status: 0 when the delivery verifies, 1 when it does not (the cause is printed).`,
    )
    .action(async (options: VerifyOptions, command: Command) => {
      const ctx = contextOf(cli, command);
      const headers = await headersOf(options);
      const body = await bodyOf(options, cli);
      const diagnosis = diagnose(headers, body, options.secret, {
        ...(options.tolerance !== undefined ? { toleranceSeconds: options.tolerance } : {}),
        ...(options.now !== undefined ? { now: parseNow(options.now) } : {}),
      });
      if (!diagnosis.ok) ctx.cli.exitCode = 1;
      ctx.output.result(diagnosis, () => explain(diagnosis));
    });
}

async function headersOf(options: VerifyOptions): Promise<HeaderMap> {
  const headers: HeaderMap = {};
  if (options.headersFile !== undefined)
    parseHeadersFile(await readFile(options.headersFile, "utf8"), headers);
  parseHeaderLines(options.header ?? [], headers);
  if (Object.keys(headers).length === 0) {
    throw new UsageError("no headers given: pass -H 'webhook-id: …' (and the others) or --headers-file");
  }
  return headers;
}

async function bodyOf(options: VerifyOptions, cli: Cli): Promise<Buffer> {
  if (options.body !== undefined && options.bodyFile !== undefined) {
    throw new UsageError("give the body with --body or --body-file, not both");
  }
  // Bytes, not text: a signature covers the body exactly as sent, newline and encoding included.
  if (options.bodyFile === "-") return readAll(cli.io.stdin);
  if (options.bodyFile !== undefined) return readFile(options.bodyFile);
  if (options.body !== undefined) return Buffer.from(options.body, "utf8");
  throw new UsageError("no body given: pass --body '<json>' or --body-file <path>");
}

export function parseNow(text: string): Date {
  const date = /^\d+$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--now: not a time: ${JSON.stringify(text)}`);
  return date;
}

export function explain(diagnosis: Diagnosis): string {
  const verdict = diagnosis.ok ? "✓ valid" : `✗ ${diagnosis.cause}`;
  const lines = [verdict, diagnosis.message, "", renderTable(diagnosis.checks, CHECK_COLUMNS)];
  if (diagnosis.lookalikeHeaders.length > 0) {
    lines.push("", `headers that look like signature headers: ${diagnosis.lookalikeHeaders.join(", ")}`);
  }
  return lines.join("\n");
}

const CHECK_COLUMNS = [
  { header: "check", value: (check: Diagnosis["checks"][number]) => check.name },
  { header: "result", value: (check: Diagnosis["checks"][number]) => check.status },
  { header: "detail", value: (check: Diagnosis["checks"][number]) => check.detail, maxWidth: 100 },
];
