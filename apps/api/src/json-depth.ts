// A bound on how deeply a JSON body may nest. JSON.parse copes with any depth, but JSON.stringify,
// Postgres's jsonb and receivers' parsers recurse, so a body of 5,000 nested arrays (well within
// the size limit) would crash whatever touches it next. Refused at the door instead.
import type { RequestHandler } from "express";
import { HttpProblem } from "./problem.js";

/** Deep enough for any real event; far from where recursive parsers run out of stack. */
export const MAX_JSON_DEPTH = 64;

/** The depth of a parsed JSON value (a scalar is 0, `[]` is 1), counted without recursion; stops
 * counting once past `limit`. */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== "object") continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** 400 for a parsed JSON body nested deeper than `limit` levels. Mount after the JSON parser. */
export function jsonDepthLimit(limit: number = MAX_JSON_DEPTH): RequestHandler {
  return (req, _res, next) => {
    if (req.body !== undefined && jsonDepthExceeds(req.body, limit)) {
      next(new HttpProblem("invalid-request", `the JSON body is nested deeper than ${limit} levels`));
      return;
    }
    next();
  };
}
