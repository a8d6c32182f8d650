// Child processes of a bench run (receiver, API, worker, baselines): started with tsx, ready when
// they print a JSON line with `ready` (or when a probe says so), stopped with SIGTERM so a CPU
// profile, when asked for, is written on the way out.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export type Service = {
  name: string;
  child: ChildProcess;
  /** The JSON line the process printed when ready ({} for probe-ready processes). */
  ready: Record<string, unknown>;
  /** Lines the process printed on stderr, for the report when it fails. */
  errors: string[];
  stop(): Promise<void>;
};

export type ServiceOptions = {
  name: string;
  /** The TypeScript entry, relative to `cwd`. */
  entry: string;
  /** Where to run it: this repository by default (another checkout, to compare versions). */
  cwd?: string;
  args?: string[];
  /** Flags for node itself (e.g. --cpu-prof, which NODE_OPTIONS may not carry). */
  nodeArgs?: string[];
  env: Record<string, string>;
  /** Readiness other than a `ready` line on stdout (an HTTP probe, a Redis check). */
  probe?: () => Promise<boolean>;
  timeoutMs?: number;
};

export const ROOT = new URL("../../", import.meta.url).pathname;

export async function startService(options: ServiceOptions): Promise<Service> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), "--import", "tsx", options.entry, ...(options.args ?? [])],
    {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const errors: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    errors.push(line);
    if (errors.length > 200) errors.shift();
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code) =>
      reject(
        new Error(`${options.name} exited (${code}) before it was ready:\n${errors.slice(-20).join("\n")}`),
      ),
    );
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const readyLine = new Promise<Record<string, unknown>>((resolve) => {
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.ready === true) resolve(parsed);
      } catch {}
    });
  });
  const probed = options.probe ? pollUntil(options.probe).then(() => ({})) : undefined;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${options.name} not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const ready = await Promise.race([probed ?? readyLine, exited, timeout]);
    exited.catch(() => {});
    return {
      name: options.name,
      child,
      ready,
      errors,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function pollUntil(check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await gone;
  clearTimeout(killer);
}

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}
