// A second API instance in a process of its own (`npm run start:api`), on a platform's database,
// Redis and queue prefix: what scale-out runs.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Platform } from "@hookline/testing";

export type ApiProcess = { url: string; child: ChildProcess; stop(): Promise<void> };

export async function spawnApi(platform: Platform, env: Record<string, string> = {}): Promise<ApiProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "test",
      DATABASE_URL: platform.config.databaseUrl,
      REDIS_URL: platform.config.redisUrl,
      HOOKLINE_QUEUE_PREFIX: platform.config.queuePrefix,
      HOOKLINE_ENCRYPTION_KEY: platform.config.encryptionKey.toString("base64"),
      PORT: "0",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error("the API process did not start in 20 s")), 20_000);
    child.once("exit", (code) => reject(new Error(`the API process exited with ${code}`)));
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === "api listening" && entry.url) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
