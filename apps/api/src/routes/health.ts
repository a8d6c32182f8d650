// Liveness and readiness. Readiness answers 503 problem+json while Postgres or Redis is away,
// within a bounded time, and recovers by itself when they are back.
import { sql } from "drizzle-orm";
import { Router } from "express";
import type { ApiDeps } from "../deps.js";
import { HttpProblem, sendProblem } from "../problem.js";

const CHECK_TIMEOUT_MS = 1_500;

export function healthRouter({ db, redis }: ApiDeps): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const [postgres, redisCheck] = await Promise.all([
      check(() => db.execute(sql`select 1`)),
      check(() => redis.ping()),
    ]);
    if (postgres === "ok" && redisCheck === "ok") {
      res.json({ status: "ready", postgres, redis: redisCheck });
      return;
    }
    const down = [
      postgres === "ok" ? null : `postgres: ${postgres}`,
      redisCheck === "ok" ? null : `redis: ${redisCheck}`,
    ];
    sendProblem(
      res,
      new HttpProblem("unavailable", `not ready: ${down.filter(Boolean).join("; ")}`, {
        retryAfterSeconds: 2,
      }),
    );
  });
  return router;
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return "ok";
  } catch (error) {
    return (error as Error).message || "unavailable";
  } finally {
    clearTimeout(timer);
  }
}
