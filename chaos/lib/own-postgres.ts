// A Postgres cluster of the chaos run's own (initdb in a temporary directory, a free port), so the
// Postgres-restart scenario can stop and start it while the shared cluster keeps serving everyone
// else. initdb refuses to run as root, so the cluster belongs to the `postgres` user when we are root.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./processes.js";

const run = promisify(execFile);
const BIN = process.env.HOOKLINE_CHAOS_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export type OwnPostgres = {
  /** Admin URL (database `postgres`, superuser `root`). */
  url: string;
  /** Stops the server (fast shutdown: connections are cut), waits `downMs`, starts it again. */
  restart(downMs: number, whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
};

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "hl-chaos-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const asOwner = async (command: string, args: string[]) => {
    if (process.getuid?.() === 0) {
      await run("chown", ["-R", "postgres", dir]);
      const line = [join(BIN, command), ...args]
        .map((part) => `'${part.replaceAll("'", "'\\''")}'`)
        .join(" ");
      return run("su", ["postgres", "-s", "/bin/sh", "-c", line]);
    }
    return run(join(BIN, command), args);
  };
  await asOwner("initdb", ["-D", data, "-U", "root", "--auth=trust", "--no-sync"]);
  const ctl = (action: string, extra: string[] = []) =>
    asOwner("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, "log"),
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-w",
      ...extra,
      action,
    ]);
  await ctl("start");
  return {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    async restart(downMs, whileDown) {
      await ctl("stop", ["-m", "fast"]);
      const down = Date.now();
      await whileDown?.();
      const left = downMs - (Date.now() - down);
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      await ctl("start");
    },
    async stop() {
      await ctl("stop", ["-m", "immediate"]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
