// RFC 9457 problem details, the one error shape the receiver's HTTP handlers answer with.
import type { Response } from "express";

export interface Problem {
  /** `urn:hookline:receiver:<code>`: stable, so senders and logs can match on it. */
  type: string;
  title: string;
  status: number;
  detail: string;
}

export function problem(code: string, status: number, title: string, detail: string): Problem {
  return { type: `urn:hookline:receiver:${code}`, title, status, detail };
}

export function sendProblem(res: Response, body: Problem): void {
  res.status(body.status).type("application/problem+json").send(JSON.stringify(body));
}
