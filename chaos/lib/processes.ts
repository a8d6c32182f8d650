// Child processes of a chaos run: Hookline's API and worker started the way operators start them
// (`tsx apps/api/src/main.ts`, `tsx apps/worker/src/main.ts`), the chaos receiver, and throwaway
// Redis and Postgres servers that scenarios may kill and restart.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

export const ROOT = new URL("../../", import.meta.url).pathname;

export type Service = {
  name: string;
  child: ChildProcess;
  /** The last lines the process printed (stdout and stderr), for reports when something fails. */
  output: string[];
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** kill -9: no chance to finish anything. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`); returns the exit code and how long. */
  terminate(timeoutMs?: number): Promise<{ code: number | null; ms: number }>;
};

export type ServiceOptions = {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Ready when a printed line passes this test... */
  readyLine?: (line: string) => boolean;
  /** ...or when this probe answers true. */
  probe?: () => Promise<boolean>;
  timeoutMs?: number;
};

export async function startService(options: ServiceOptions): Promise<Service> {
  const child = spawn(options.command, options.args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let onLine: (line: string) => void = () => {};
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
      output.push(line);
      if (output.length > 300) output.shift();
      onLine(line);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const service: Service = {
    name: options.name,
    child,
    output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async terminate(timeoutMs = 60_000) {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const code = await exited;
      clearTimeout(killer);
      return { code, ms: Date.now() - started };
    },
  };

  const ready = new Promise<void>((resolve) => {
    if (options.readyLine) {
      const test = options.readyLine;
      onLine = (line) => {
        if (test(line)) resolve();
      };
    }
    if (options.probe) {
      const probe = options.probe;
      void (async () => {
        while (child.exitCode === null) {
          if (await probe().catch(() => false)) return resolve();
          await sleep(100);
        }
      })();
    }
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${options.name} not ready after ${timeoutMs} ms`)), timeoutMs);
    void exited.then((code) =>
      reject(
        new Error(`${options.name} exited (${code}) before it was ready:\n${output.slice(-20).join("\n")}`),
      ),
    );
  });
  try {
    await Promise.race([ready, failed]);
    failed.catch(() => {});
    return service;
  } catch (error) {
    await service.kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A TypeScript entry of this repository run with tsx, as `npm run start:*` does. */
export function tsxService(
  name: string,
  entry: string,
  env: Record<string, string>,
  ready: Pick<ServiceOptions, "readyLine" | "probe" | "timeoutMs">,
): Promise<Service> {
  return startService({ name, command: process.execPath, args: ["--import", "tsx", entry], env, ...ready });
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
