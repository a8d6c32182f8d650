// One delivery attempt as a chain of small stages sharing one context:
// prepare (load delivery, endpoint, sign) → gate (endpoint's in-flight cap and circuit breaker) →
// send (HTTP) → decide (retry policy) → record (batched write) → schedule (delay the job for the
// next try, or let it complete). A delivery the gate turns away is deferred: no attempt, no record.
import {
  type AttemptResult,
  describe,
  type NextStep,
  nextStep,
  parseRetryAfter,
  sendableHeaders,
  signatureHeaders,
  USER_AGENT,
  webhookBody,
} from "@hookline/core";
import type { AttemptRecord, DeliveryForAttempt } from "@hookline/db";
import type { Logger } from "pino";
import { activeSecrets, type CachedEndpoint } from "./endpoint-cache.js";
import type { EndpointGate } from "./endpoint-gate.js";
import type { OutgoingRequest, SendResult } from "./http-sender.js";

/** What to send, or why there is nothing to send (yet). */
export type Prepared =
  | { kind: "skip"; reason: string }
  | { kind: "not-due"; at: Date }
  | { kind: "endpoint-disabled"; delivery: DeliveryForAttempt; endpoint: CachedEndpoint }
  | { kind: "send"; delivery: DeliveryForAttempt; endpoint: CachedEndpoint; request: OutgoingRequest };

export type DeliverDeps = {
  loadDelivery(id: string): Promise<DeliveryForAttempt | undefined>;
  loadEndpoint(id: string): Promise<CachedEndpoint | undefined>;
  send(request: OutgoingRequest): Promise<SendResult>;
  /** Per-endpoint isolation: may this delivery's request go out now? */
  gate: EndpointGate;
  record(record: AttemptRecord): Promise<void>;
  retryScheduleMs: readonly number[];
  logger: Logger;
  now?: () => Date;
};

/** The outcome of a job: the worker completes it, delays it until `at` for its next attempt, or
 * defers it until `at` without an attempt (its endpoint could not take it). */
export type JobOutcome =
  | { kind: "complete"; reason: string }
  | { kind: "delay"; at: Date }
  | { kind: "defer"; at: Date; reason: "circuit-open" | "at-capacity" };

export type DeliverOptions = {
  /** Skip the delivery if it was attempted since it was queued (its round has attempts): a batch
   * taken again after a crash or a failed write finds the attempts its first run made, whose next
   * tries are their own jobs. */
  onlyUnattempted?: boolean;
};

/** How early a job may run and still attempt its delivery. */
const DUE_MARGIN_MS = 1_000;

export async function deliver(
  deliveryId: string,
  deps: DeliverDeps,
  options: DeliverOptions = {},
): Promise<JobOutcome> {
  const now = deps.now ?? (() => new Date());
  const prepared = await prepare(deliveryId, deps, now(), options);
  if (prepared.kind === "skip") return { kind: "complete", reason: prepared.reason };
  if (prepared.kind === "not-due") return { kind: "delay", at: prepared.at };

  if (prepared.kind === "endpoint-disabled") {
    const attemptedAt = now();
    const reason = `endpoint disabled: ${prepared.endpoint.disabledReason ?? "no reason given"}`;
    await deps.record(
      toRecord(prepared.delivery, attemptedAt, {
        durationMs: 0,
        statusCode: null,
        responseBody: null,
        errorClass: "endpoint-disabled",
        errorMessage: reason,
        next: { kind: "dead", reason },
      }),
    );
    return { kind: "complete", reason };
  }

  const attemptedAt = now();
  let sent: SendResult;
  if (prepared.endpoint.blockedReason) {
    sent = {
      kind: "network-error",
      errorClass: "blocked-destination",
      message: prepared.endpoint.blockedReason,
      durationMs: 0,
    };
  } else {
    const gated = await sendThroughGate(prepared, deps);
    if (gated.kind === "defer") {
      deps.logger.debug({ deliveryId, endpointId: prepared.endpoint.id, ...gated }, "delivery deferred");
      return { kind: "defer", at: new Date(attemptedAt.getTime() + gated.waitMs), reason: gated.reason };
    }
    sent = gated.sent;
  }
  const result = toAttemptResult(sent);
  const schedule = prepared.endpoint.retryScheduleMs ?? deps.retryScheduleMs;
  const step = nextStep(result, prepared.delivery.roundAttempts + 1, schedule);
  const record = toRecord(prepared.delivery, attemptedAt, {
    durationMs: sent.durationMs,
    statusCode: sent.kind === "response" ? sent.statusCode : null,
    responseBody: sent.kind === "response" ? sent.body : null,
    errorClass: result.kind === "success" ? null : sent.kind === "response" ? "http" : sent.errorClass,
    errorMessage: sent.kind === "network-error" ? sent.message : null,
    next: toNext(step, attemptedAt),
  });
  await deps.record(record);
  deps.logger.debug(
    { deliveryId, endpointId: prepared.endpoint.id, result: describe(result), next: step.kind },
    "attempt recorded",
  );
  return step.kind === "retry"
    ? { kind: "delay", at: new Date(attemptedAt.getTime() + step.delayMs) }
    : { kind: "complete", reason: step.kind };
}

/** Stage 1: load what the attempt needs and sign it. */
export async function prepare(
  deliveryId: string,
  deps: DeliverDeps,
  now: Date,
  options: DeliverOptions = {},
): Promise<Prepared> {
  const delivery = await deps.loadDelivery(deliveryId);
  if (!delivery) return { kind: "skip", reason: "delivery no longer exists" };
  if (delivery.status !== "pending") return { kind: "skip", reason: `delivery already ${delivery.status}` };
  if (options.onlyUnattempted && delivery.roundAttempts > 0)
    return { kind: "skip", reason: "delivery attempted since it was queued; its own job has it" };
  // A second job for the delivery (the reconciler's, added while the batch carrying it waited in a
  // backlog) must not bring a scheduled retry forward. The margin absorbs clock skew between the
  // processes that set the time and the one reading it.
  const dueAt = delivery.nextAttemptAt?.getTime() ?? 0;
  if (dueAt - now.getTime() > DUE_MARGIN_MS) return { kind: "not-due", at: new Date(dueAt) };
  const endpoint = await deps.loadEndpoint(delivery.endpointId);
  if (!endpoint) return { kind: "skip", reason: "endpoint no longer exists" };
  if (endpoint.disabled) return { kind: "endpoint-disabled", delivery, endpoint };

  const body = webhookBody({
    type: delivery.eventType,
    createdAt: delivery.createdAt,
    payload: delivery.payload,
  });
  const headers = {
    ...sendableHeaders(endpoint.headers),
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    ...signatureHeaders({
      style: endpoint.headerStyle,
      secrets: activeSecrets(endpoint, now),
      id: delivery.eventId,
      timestampSeconds: Math.floor(now.getTime() / 1000),
      body,
    }),
  };
  return { kind: "send", delivery, endpoint, request: { url: endpoint.url, headers, body } };
}

/** Stage 2: through the endpoint's gate, then the request; the gate learns how it went. */
async function sendThroughGate(
  prepared: Extract<Prepared, { kind: "send" }>,
  deps: DeliverDeps,
): Promise<
  | { kind: "sent"; sent: SendResult }
  | { kind: "defer"; waitMs: number; reason: "circuit-open" | "at-capacity" }
> {
  const verdict = await deps.gate.enter(prepared.endpoint.id, prepared.delivery.id);
  if (verdict.kind === "wait") return { kind: "defer", waitMs: verdict.waitMs, reason: verdict.reason };
  let succeeded: boolean | null = false;
  try {
    const sent = await deps.send(prepared.request);
    succeeded =
      sent.kind === "response"
        ? sent.statusCode >= 200 && sent.statusCode < 300
        : sent.errorClass === "worker-shutdown"
          ? null
          : false;
    return { kind: "sent", sent };
  } finally {
    await verdict.pass.leave(succeeded);
  }
}

/** Stage 3 input: the HTTP outcome as the retry policy sees it. */
export function toAttemptResult(sent: SendResult): AttemptResult {
  if (sent.kind === "network-error") return { kind: "network-error", errorClass: sent.errorClass };
  if (sent.statusCode >= 200 && sent.statusCode < 300)
    return { kind: "success", statusCode: sent.statusCode };
  const retryAfterMs =
    sent.statusCode === 429 || sent.statusCode === 503 ? parseRetryAfter(sent.retryAfter) : undefined;
  return {
    kind: "http-error",
    statusCode: sent.statusCode,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function toNext(step: NextStep, attemptedAt: Date): AttemptRecord["next"] {
  switch (step.kind) {
    case "done":
      return { kind: "done" };
    case "retry":
      return { kind: "retry", at: new Date(attemptedAt.getTime() + step.delayMs) };
    case "dead":
      return { kind: "dead", reason: step.reason };
    case "gone":
      return { kind: "dead", reason: step.reason, disableEndpoint: step.reason };
  }
}

function toRecord(
  delivery: DeliveryForAttempt,
  attemptedAt: Date,
  outcome: Pick<
    AttemptRecord,
    "durationMs" | "statusCode" | "responseBody" | "errorClass" | "errorMessage" | "next"
  >,
): AttemptRecord {
  return {
    deliveryId: delivery.id,
    endpointId: delivery.endpointId,
    applicationId: delivery.applicationId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    attemptNumber: delivery.attemptCount + 1,
    attemptedAt,
    ...outcome,
  };
}
