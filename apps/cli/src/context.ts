// What every command gets: the I/O, the global options (--url, --key, --json), the SDK client
// built from them, and a way to set the exit status.
import { createHooklineClient, type HooklineClient } from "@hookline/sdk";
import type { Command } from "commander";
import { type CliIo, UsageError } from "./io.js";
import { Output } from "./output.js";

export const DEFAULT_URL = "http://127.0.0.1:8080";

export interface GlobalOptions {
  url: string;
  key?: string;
  json?: boolean;
}

export interface Cli {
  io: CliIo;
  /** The status the process exits with; commands raise it on failure. */
  exitCode: number;
}

export interface CommandContext {
  cli: Cli;
  options: GlobalOptions;
  output: Output;
  /** The SDK client; throws a UsageError when no key is configured. */
  client(): HooklineClient;
}

export function contextOf(cli: Cli, command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  return {
    cli,
    options,
    output: new Output(cli.io, options.json ?? false),
    client() {
      if (!options.key) throw new UsageError("no API key: pass --key <key> or set HOOKLINE_KEY");
      return createHooklineClient({ baseUrl: options.url, apiKey: options.key });
    },
  };
}
