// Which endpoints an event goes to: an empty filter means every event type.

export function endpointWants(eventTypes: readonly string[], eventType: string): boolean {
  return eventTypes.length === 0 || eventTypes.includes(eventType);
}
