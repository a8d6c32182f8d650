// After an ingest transaction commits, the API announces the application on the deployment's
// stream channel so every API instance's tailer reads the log now instead of at its next poll.
// One message per application per event-loop turn and instance, never per client: the ingests that
// commit in the same turn share one PUBLISH (a tailer reads everything new when woken, so one wake-up
// covers them all). Best effort: a lost message only delays streams until the next poll, so a
// failure never fails the request.
import type { Logger } from "@hookline/core";
import type { Redis } from "ioredis";

export function streamChannel(prefix: string): string {
  return `${prefix}:stream-events`;
}

/** Applications to announce at the end of this turn, per Redis client and channel. Keyed by the
 * client so that it goes with it; nothing outlives a turn. */
const pendingByClient = new WeakMap<Redis, Map<string, Set<string>>>();

export function announceStreamEvents(
  redis: Redis,
  prefix: string,
  applicationId: string,
  logger: Logger,
): void {
  let pending = pendingByClient.get(redis);
  if (!pending) {
    pending = new Map();
    pendingByClient.set(redis, pending);
  }
  const channel = streamChannel(prefix);
  const applications = pending.get(channel);
  if (applications) {
    applications.add(applicationId);
    return;
  }
  pending.set(channel, new Set([applicationId]));
  const due = pending;
  setImmediate(() => {
    const announced = due.get(channel);
    due.delete(channel);
    for (const id of announced ?? []) {
      redis.publish(channel, id).catch((error: unknown) => {
        logger.debug(
          { err: error, applicationId: id },
          "stream announcement failed; readers catch up at the next poll",
        );
      });
    }
  });
}
