// Prefixed, time-sortable identifiers: `msg_01J...`. ULIDs sort by creation time, so ids double
// as cursors for list pagination.
import { monotonicFactory } from "ulid";

export const ID_PREFIXES = {
  application: "app",
  endpoint: "ep",
  event: "msg",
  delivery: "dlv",
  attempt: "atm",
  deadLetter: "dlq",
  apiKey: "key",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const nextUlid = monotonicFactory();

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${nextUlid()}`;
}

const ULID = "[0-9A-HJKMNP-TV-Z]{26}";

/** A regular expression that matches the ids of one kind, for input validation. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_${ULID}$`);
}
