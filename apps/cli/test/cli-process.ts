// Runs the real `hookline` bin in a child process, as a user would, and collects what it printed.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/hookline.js", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  HOOKLINE_URL?: string;
  HOOKLINE_KEY?: string;
}

function spawnCli(args: readonly string[], env: CliEnv): ChildProcess {
  const { HOOKLINE_URL: _url, HOOKLINE_KEY: _key, ...inherited } = process.env;
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...inherited, ...env, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

export async function runHookline(
  args: readonly string[],
  options: { env?: CliEnv; stdin?: string | Buffer } = {},
): Promise<CliRun> {
  const run = startHookline(args, { env: options.env, stdin: options.stdin ?? "" });
  const code = await run.exited();
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** A long-running command (`listen`): its output so far, and a way to stop it like Ctrl-C. */
export interface RunningCli {
  stdout(): string;
  stderr(): string;
  /** stdout split in lines, each parsed as JSON (for `--json` streams). */
  jsonLines(): Record<string, unknown>[];
  /** Resolves with the exit status when the process ends by itself. */
  exited(): Promise<number | null>;
  /** Sends SIGINT (if still running) and resolves with the exit status. */
  interrupt(): Promise<number | null>;
}

/** Starts a command; `stdin`, when given, is written and closed (else stdin stays open). */
export function startHookline(
  args: readonly string[],
  options: { env?: CliEnv | undefined; stdin?: string | Buffer } = {},
): RunningCli {
  const child = spawnCli(args, options.env ?? {});
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    jsonLines: () =>
      stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited: () => closed,
    async interrupt() {
      if (child.exitCode === null) child.kill("SIGINT");
      return closed;
    },
  };
}
