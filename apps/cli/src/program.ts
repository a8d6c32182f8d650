// The `hookline` program: global options, the commands, and one place that turns failures into
// messages and exit statuses (0 ok, 1 the operation failed, 2 the command line is wrong).
import { HooklineApiError, HooklineConnectionError } from "@hookline/sdk";
import { Command, CommanderError, Option } from "commander";
import { registerDeadLetters } from "./commands/dead-letters.js";
import { registerDeliveries } from "./commands/deliveries.js";
import { registerEvents } from "./commands/events.js";
import { registerListen } from "./commands/listen.js";
import { registerSend } from "./commands/send.js";
import { registerVerify } from "./commands/verify.js";
import { type Cli, DEFAULT_URL } from "./context.js";
import { type CliIo, UsageError } from "./io.js";

export function buildProgram(cli: Cli): Command {
  const program = new Command("hookline")
    .description("Command-line client for a Hookline webhook platform")
    .addOption(new Option("--url <url>", "the Hookline API").env("HOOKLINE_URL").default(DEFAULT_URL))
    .addOption(new Option("--key <key>", "an API key (admin, producer or partner)").env("HOOKLINE_KEY"))
    .option("--json", "print JSON instead of tables")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride()
    // Inherited by every command added after this point.
    .configureOutput({
      writeOut: (text) => cli.io.stdout.write(text),
      writeErr: (text) => cli.io.stderr.write(text),
    });
  registerSend(program, cli);
  registerEvents(program, cli);
  registerDeliveries(program, cli);
  registerDeadLetters(program, cli);
  registerVerify(program, cli);
  registerListen(program, cli);
  return program;
}

/** Runs one command line; resolves to the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const cli: Cli = { io, exitCode: 0 };
  try {
    await buildProgram(cli).parseAsync([...argv]);
    return cli.exitCode;
  } catch (error) {
    return reportFailure(error, io);
  }
}

function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander printed its message already; help and --version are not failures.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  if (error instanceof HooklineApiError) {
    io.stderr.write(`error: ${error.message}\n`);
    for (const field of error.fieldErrors) io.stderr.write(`  ${field.path}: ${field.message}\n`);
    return 1;
  }
  if (error instanceof HooklineConnectionError) {
    io.stderr.write(`error: ${error.message}\n`);
    return 1;
  }
  io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
