// A steady stream of events, sent the way a careful producer sends them: each event has an
// Idempotency-Key, and a failed or refused request (API restarting, Postgres down) is retried with
// the same key until the API accepts it. An event counts as accepted once the API answered 2xx with
// its id, and only then: that is the promise the ledger checks.
export type LoadOptions = {
  apiUrl: string;
  key: string;
  appId: string;
  eventType: string;
  perSecond: number;
  /** Stop retrying a refused event this long after the stream stopped. */
  retryForMs?: number;
};

export type Load = {
  /** Accepted event ids so far. */
  accepted(): string[];
  /** Requests that were refused or failed and then retried. */
  retries(): number;
  /** Stops sending new events; waits for the ones being sent (or retried) to be accepted. */
  stop(): Promise<{ accepted: string[]; abandoned: number; retries: number }>;
};

export function startLoad(options: LoadOptions): Load {
  const accepted: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const runId = Math.random().toString(36).slice(2, 10);
  let seq = 0;
  let retries = 0;
  let abandoned = 0;
  let stoppedAt: number | undefined;

  async function sendOne(n: number) {
    const idempotencyKey = `chaos-${runId}-${n}`;
    for (;;) {
      try {
        const response = await fetch(`${options.apiUrl}/v1/applications/${options.appId}/events`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${options.key}`,
            "content-type": "application/json",
            "idempotency-key": idempotencyKey,
          },
          body: JSON.stringify({ eventType: options.eventType, payload: { seq: n, sentAt: Date.now() } }),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.status >= 200 && response.status < 300) {
          accepted.push((JSON.parse(text) as { id: string }).id);
          return;
        }
      } catch {}
      retries++;
      if (stoppedAt !== undefined && Date.now() - stoppedAt > (options.retryForMs ?? 60_000)) {
        abandoned++;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const intervalMs = 1_000 / options.perSecond;
  const started = Date.now();
  const timer = setInterval(
    () => {
      // Catch up when the event loop was late, so the rate holds on a busy machine.
      const due = Math.floor((Date.now() - started) / intervalMs);
      while (seq < due) {
        const sending = sendOne(seq++).finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      }
    },
    Math.max(5, Math.floor(intervalMs)),
  );

  return {
    accepted: () => [...accepted],
    retries: () => retries,
    async stop() {
      clearInterval(timer);
      stoppedAt = Date.now();
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return { accepted: [...accepted], abandoned, retries };
    },
  };
}
