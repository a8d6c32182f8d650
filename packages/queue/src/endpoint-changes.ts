// Cache invalidation: the API announces endpoint changes on a Redis channel, workers drop their
// cached copy of that endpoint.
import type { Redis } from "ioredis";

export function endpointChangesChannel(prefix: string): string {
  return `${prefix}:endpoint-changed`;
}

export async function announceEndpointChange(
  redis: Redis,
  prefix: string,
  endpointId: string,
): Promise<void> {
  await redis.publish(endpointChangesChannel(prefix), endpointId);
}

/** Calls `onChange` with each changed endpoint id; returns a function that unsubscribes. */
export async function onEndpointChange(
  subscriber: Redis,
  prefix: string,
  onChange: (endpointId: string) => void,
): Promise<() => Promise<void>> {
  const channel = endpointChangesChannel(prefix);
  const listener = (from: string, message: string) => {
    if (from === channel) onChange(message);
  };
  subscriber.on("message", listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off("message", listener);
    await subscriber.unsubscribe(channel);
  };
}
