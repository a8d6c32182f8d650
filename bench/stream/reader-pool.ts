// The coordinator's handle on a reader process (bench/stream/reader-process.ts): commands out,
// counts back, over IPC.
import { type ChildProcess, spawn } from "node:child_process";
import { ROOT } from "../lib/processes.js";
import type { OpenReaders, ReaderCommand, ReaderReport } from "./reader-process.js";

export type ReaderPool = {
  pid: number;
  open(command: Omit<OpenReaders, "type">): void;
  stats(total?: number): Promise<ReaderReport>;
  drain(): void;
  close(): Promise<void>;
};

export async function startReaderPool(): Promise<ReaderPool> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/stream/reader-process.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("exit", (code) => reject(new Error(`the reader process exited (${code})`)));
  });
  const send = (command: ReaderCommand) => child.send(command);
  return {
    pid: child.pid as number,
    open: (command) => send({ type: "open", ...command }),
    stats: (total) =>
      new Promise((resolve) => {
        child.once("message", (message) => resolve(message as ReaderReport));
        send({ type: "stats", ...(total === undefined ? {} : { total }) });
      }),
    drain: () => send({ type: "drain" }),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      send({ type: "close" });
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
