// After an ingest transaction commits, the API announces the application on the deployment's
// stream channel so every API instance's tailer reads the log now instead of at its next poll.
// One message per ingest per instance, never per client. Best effort: a lost message only
// delays streams until the next poll, so a failure never fails the request.
import type { Logger } from "@hookline/core";
import type { Redis } from "ioredis";

export function streamChannel(prefix: string): string {
  return `${prefix}:stream-events`;
}

export function announceStreamEvents(
  redis: Redis,
  prefix: string,
  applicationId: string,
  logger: Logger,
): void {
  redis.publish(streamChannel(prefix), applicationId).catch((error: unknown) => {
    logger.debug(
      { err: error, applicationId },
      "stream announcement failed; readers catch up at the next poll",
    );
  });
}
