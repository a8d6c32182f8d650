// `hookline listen`: relays an application's stream to a local server, signed like a real
// delivery (as `stripe listen` does), resuming after a cut without losing or repeating events.
import { generateSecret } from "@hookline/core";
import { streamUrl } from "@hookline/sdk";
import type { Command } from "commander";
import { commaList, positiveInteger } from "../arguments.js";
import { type Cli, type CommandContext, contextOf } from "../context.js";
import { UsageError } from "../io.js";
import { type RelayReport, startRelay } from "../listen/relay.js";

interface ListenOptions {
  app: string;
  forwardTo: string;
  secret?: string;
  events?: string[];
  from?: string;
  silenceTimeout: number;
}

export function registerListen(program: Command, cli: Cli): void {
  program
    .command("listen")
    .description("forward an application's events to a local server, signed like real deliveries")
    .requiredOption("--app <id>", "application id or uid")
    .requiredOption("--forward-to <url>", "where to POST each event, e.g. http://localhost:3000/webhooks")
    .option("--secret <whsec>", "sign with this secret (default: a new one, printed at start)")
    .option("--events <types>", "only these event types, comma-separated", commaList)
    .option("--from <cursor>", "start after this cursor, or `earliest` (default: new events only)")
    .option(
      "--silence-timeout <seconds>",
      "reconnect when nothing, not even the server's ping, arrives for this long",
      positiveInteger,
      45,
    )
    .action(async (options: ListenOptions, command: Command) => {
      const ctx = contextOf(cli, command);
      await listen(ctx, options);
    });
}

async function listen(ctx: CommandContext, options: ListenOptions): Promise<void> {
  if (!ctx.options.key) throw new UsageError("no API key: pass --key <key> or set HOOKLINE_KEY");
  let forwardTo: URL;
  try {
    forwardTo = new URL(options.forwardTo);
  } catch {
    throw new UsageError(`--forward-to is not a URL: ${options.forwardTo}`);
  }
  const secret = options.secret ?? generateSecret();
  const url = streamUrl(
    ctx.options.url,
    options.app,
    options.events ? { eventTypes: options.events.join(",") } : {},
  );
  if (!ctx.output.json) ctx.output.note(`Connecting to ${url} …`);
  const relay = startRelay({
    baseUrl: ctx.options.url,
    apiKey: ctx.options.key,
    appId: options.app,
    forwardTo: forwardTo.toString(),
    secret,
    ...(options.events ? { eventTypes: options.events } : {}),
    ...(options.from !== undefined ? { from: options.from } : {}),
    silenceTimeoutMs: options.silenceTimeout * 1000,
    report: (report) => show(ctx, report, { secret, forwardTo: forwardTo.toString() }),
  });
  ctx.cli.io.onInterrupt(() => void relay.stop());
  if ((await relay.finished) === "failed") ctx.cli.exitCode = 1;
}

function show(ctx: CommandContext, report: RelayReport, setup: { secret: string; forwardTo: string }): void {
  const { output } = ctx;
  if (output.json) {
    output.line(report.kind === "connected" && report.first ? { ...report, ...setup } : report);
    return;
  }
  const time = new Date().toISOString().slice(11, 19);
  switch (report.kind) {
    case "connected":
      if (report.first) {
        output.note(
          `Ready! Forwarding to ${setup.forwardTo}. Your webhook signing secret is ${setup.secret} (^C to quit)`,
        );
      } else {
        output.note(`${time}  reconnected, resuming after ${report.resumedAfter ?? "the live tail"}`);
      }
      return;
    case "disconnected":
      output.note(`${time}  connection lost (${report.reason}); reconnecting…`);
      return;
    case "forwarded":
      output.say(`${time}  ${report.type}  ${report.eventId}  → ${report.status} (${report.durationMs} ms)`);
      return;
    case "forward-failed":
      output.say(
        `${time}  ${report.type}  ${report.eventId}  → ${report.status ?? "not delivered"} (${report.durationMs} ms) ${report.error}`,
      );
      return;
    case "skipped":
      output.note(`${time}  skipped a message the stream sent (${report.reason})`);
      return;
    case "control":
      output.note(
        report.name === "gap"
          ? `${time}  gap: the server no longer has some events (older than its retention): ${report.data}`
          : `${time}  ${report.name}: ${report.data}`,
      );
      return;
    case "fatal":
      output.note(`error: the stream refused: ${report.reason}`);
      return;
  }
}
