// A Redis of the chaos run's own, on a free port and without persistence, so a scenario can kill it
// and start it again empty (what a Redis restart without persistence does) while the shared Redis,
// which other test runs use, is never touched.
import { Redis } from "ioredis";
import { freePort, type Service, startService } from "./processes.js";

export type OwnRedis = {
  url: string;
  /** kill -9 and start again on the same port: every key is gone. */
  restartEmpty(downMs?: number): Promise<void>;
  stop(): Promise<void>;
};

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const start = () =>
    startService({
      name: `redis:${port}`,
      command: "redis-server",
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      probe: async () => {
        const client = new Redis(url, {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        client.on("error", () => {});
        try {
          await client.connect();
          return (await client.ping()) === "PONG";
        } finally {
          client.disconnect();
        }
      },
      timeoutMs: 10_000,
    });
  let server: Service = await start();
  return {
    url,
    async restartEmpty(downMs = 1_000) {
      await server.kill();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await start();
    },
    async stop() {
      await server.kill();
    },
  };
}
