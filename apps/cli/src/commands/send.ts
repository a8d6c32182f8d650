// `hookline send`: sends one event to an application, as a producer would.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Cli, contextOf } from "../context.js";
import { readAll, UsageError } from "../io.js";
import { renderFields, shortTime } from "../table.js";

interface SendOptions {
  app: string;
  type: string;
  data?: string;
  dataFile?: string;
  idempotencyKey?: string;
}

export function registerSend(program: Command, cli: Cli): void {
  program
    .command("send")
    .description("send an event to an application's endpoints")
    .requiredOption("--app <id>", "application id or uid")
    .requiredOption("--type <eventType>", "event type, e.g. invoice.paid")
    .option("--data <json>", "the payload as JSON (default {})")
    .option("--data-file <path>", "read the payload from a file, or - for stdin")
    .option("--idempotency-key <key>", "a repeat with the same key returns the first event")
    .action(async (options: SendOptions, command: Command) => {
      const ctx = contextOf(cli, command);
      const payload = parsePayload(await payloadText(options, cli));
      const result = await ctx.client().events.send(options.app, {
        eventType: options.type,
        payload,
        ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      });
      ctx.output.result(result, () =>
        renderFields([
          ["event", result.id],
          ["type", result.eventType],
          ["created", shortTime(result.createdAt)],
          ["duplicate", result.duplicate ? "yes: the first event with this idempotency key" : "no"],
          ["deliveries", result.deliveries.map((d) => `${d.id} → ${d.endpointId}`).join(", ") || "none"],
        ]),
      );
    });
}

async function payloadText(options: SendOptions, cli: Cli): Promise<string> {
  if (options.data !== undefined && options.dataFile !== undefined) {
    throw new UsageError("give the payload with --data or --data-file, not both");
  }
  if (options.dataFile === "-") return (await readAll(cli.io.stdin)).toString("utf8");
  if (options.dataFile !== undefined) return readFile(options.dataFile, "utf8");
  return options.data ?? "{}";
}

export function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the payload is not JSON: ${(error as Error).message}`);
  }
}
