// Prometheus metrics for the API process.
import type { RequestHandler } from "express";
import { collectDefaultMetrics, Histogram, Registry } from "prom-client";

export type ApiMetrics = { registry: Registry; middleware: RequestHandler };

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hookline_api_" });
  const duration = new Histogram({
    name: "hookline_http_request_duration_seconds",
    help: "API request duration by route and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.once("finish", () => {
      // The matched route pattern, not the raw URL, keeps label cardinality bounded.
      const route = (req.route?.path as string | undefined) ?? "unmatched";
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware };
}
