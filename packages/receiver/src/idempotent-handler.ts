// Processing each webhook id once: claim the id in a store, acknowledge as soon as the claim is
// durable, then run the handler in the background with retries. Duplicates are acknowledged
// without running anything; events whose owner died are taken over once their lease expires.
import type { NextFunction, Request, Response } from "express";
import { DEFAULT_RETRY, type RetryOptions, retryDelay, sleep } from "./backoff.js";
import { problem, sendProblem } from "./problem.js";
import type { IdempotencyStore, Lease, StoredEvent } from "./stores/store.js";

/** The event a handler gets: verified, and the same whether fresh or recovered after a crash. */
export interface WebhookEvent<TPayload = unknown> extends StoredEvent {
  payload: TPayload;
}

export interface HandlerContext {
  /** This attempt's number, 1 for the first, counted across processes. */
  attempt: number;
  /** Aborted when this process lost the event's lease: another one may be processing it now. */
  signal: AbortSignal;
}

export interface IdempotentHandlerOptions<TPayload = unknown> {
  /** Where claims, states and leases are recorded: `MemoryStore`, `PostgresStore` or `RedisStore`. */
  store: IdempotencyStore;
  /** Does the work for one event; throwing means "retry later". */
  handle: (event: WebhookEvent<TPayload>, context: HandlerContext) => Promise<void>;
  /** Attempts and backoff of `handle`. Default 5 attempts, 1 s doubling up to 60 s, ±20 %. */
  retry?: RetryOptions;
  /** Called once per event when its last attempt failed, after it was marked `failed`. */
  onFailure?: (event: WebhookEvent<TPayload>, error: unknown) => Promise<void> | void;
  /**
   * How long an owner may stay silent before a sweeper may take its event over; renewed every
   * third of it while the handler runs. Default 30 000 ms.
   */
  leaseMs?: number;
  /** Most stale events one `recoverStale()` call takes over. Default 100. */
  recoverBatchSize?: number;
  /**
   * Errors with no caller to return to: the store failing in the background, `onFailure` throwing,
   * a sweep failing (then `eventId` is undefined). Default `console.error`.
   */
  onError?: (error: unknown, eventId: string | undefined) => void;
}

export type AcceptOutcome = "accepted" | "duplicate";

export interface IdempotentHandler<TPayload = unknown> {
  /** Express handler, after `webhookMiddleware`: 202 when accepted, 200 for a duplicate, 503 if the store is down. */
  (req: Request, res: Response, next: NextFunction): void;
  /** Claims the event; resolves once the claim is durable, processing continues in the background. */
  accept(event: WebhookEvent<TPayload>): Promise<AcceptOutcome>;
  /** Takes over events whose owner's lease expired and processes them; resolves to how many. */
  recoverStale(): Promise<number>;
  /** Calls `recoverStale()` every `intervalMs` (default: the lease); returns a function that stops it. */
  startSweeper(intervalMs?: number): () => void;
  /** Resolves when no background processing is left in this process (tests, graceful shutdown). */
  idle(): Promise<void>;
}

/**
 * @example
 * const handler = createIdempotentHandler({
 *   store: new PostgresStore({ pool }),
 *   handle: async (event) => fulfil(event.payload),
 *   onFailure: async (event, error) => alert(event.id, error),
 * });
 * app.post("/webhooks", webhookMiddleware({ secret }), handler);
 * handler.startSweeper();
 */
export function createIdempotentHandler<TPayload = unknown>(
  options: IdempotentHandlerOptions<TPayload>,
): IdempotentHandler<TPayload> {
  const { store, handle } = options;
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const leaseMs = options.leaseMs ?? 30_000;
  const onError =
    options.onError ?? ((error, eventId) => console.error(`webhook ${eventId ?? "sweeper"}:`, error));
  const running = new Set<Promise<void>>();

  function track(work: Promise<void>): void {
    running.add(work);
    void work.finally(() => running.delete(work));
  }

  async function run(lease: Lease, event: WebhookEvent<TPayload>, attemptsBefore: number): Promise<void> {
    const lost = new AbortController();
    const heartbeat = setInterval(() => {
      store.renew(lease, leaseMs).then(
        (held) => held || lost.abort(),
        (error: unknown) => onError(error, event.id),
      );
    }, leaseMs / 3);
    heartbeat.unref();
    try {
      if (attemptsBefore >= retry.attempts) {
        const error = new Error(`gave up after ${attemptsBefore} attempts; the last one never finished`);
        return await giveUp(lease, event, error);
      }
      for (;;) {
        const attempt = await store.startAttempt(lease, leaseMs);
        if (attempt === null) return;
        try {
          await handle(event, { attempt, signal: lost.signal });
        } catch (error) {
          if (lost.signal.aborted) return;
          if (attempt >= retry.attempts) return await giveUp(lease, event, error);
          await sleep(retryDelay(attempt, retry), lost.signal);
          if (lost.signal.aborted) return;
          continue;
        }
        if (!(await store.complete(lease))) {
          onError(
            new Error("processed, but the lease was lost first: another owner may process it again"),
            event.id,
          );
        }
        return;
      }
    } catch (error) {
      // The store failed: the record stays in-progress and a sweeper retries it after the lease.
      onError(error, event.id);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function giveUp(lease: Lease, event: WebhookEvent<TPayload>, error: unknown): Promise<void> {
    if (!(await store.fail(lease, describe(error)))) return;
    try {
      await options.onFailure?.(event, error);
    } catch (failure) {
      onError(failure, event.id);
    }
  }

  async function accept(event: WebhookEvent<TPayload>): Promise<AcceptOutcome> {
    const stored: WebhookEvent<TPayload> = {
      id: event.id,
      timestamp: event.timestamp,
      payload: event.payload,
    };
    const lease = await store.claim(stored, leaseMs);
    if (lease === null) return "duplicate";
    track(run(lease, stored, 0));
    return "accepted";
  }

  async function recoverStale(): Promise<number> {
    const recovered = await store.claimStale(leaseMs, options.recoverBatchSize ?? 100);
    for (const { lease, event, attempts } of recovered) {
      track(run(lease, event as WebhookEvent<TPayload>, attempts));
    }
    return recovered.length;
  }

  function startSweeper(intervalMs = leaseMs): () => void {
    let sweeping = false;
    const timer = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      recoverStale()
        .catch((error: unknown) => onError(error, undefined))
        .finally(() => {
          sweeping = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.allSettled([...running]);
  }

  const expressHandler = (req: Request, res: Response, _next: NextFunction): void => {
    const webhook = req.webhook;
    if (webhook === undefined) {
      const detail = "no verified webhook on the request; mount webhookMiddleware before this handler";
      sendProblem(res, problem("not-verified", 500, "Receiver misconfigured", detail));
      return;
    }
    accept(webhook as WebhookEvent<TPayload>).then(
      (outcome) => {
        res.status(outcome === "accepted" ? 202 : 200).json({ id: webhook.id, outcome });
      },
      (error: unknown) => {
        onError(error, webhook.id);
        const detail = "the event could not be recorded; deliver it again later";
        sendProblem(res, problem("store-unavailable", 503, "Receiver store unavailable", detail));
      },
    );
  };

  return Object.assign(expressHandler, { accept, recoverStale, startSweeper, idle });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
