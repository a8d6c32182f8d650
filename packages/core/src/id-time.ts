// Ids are ULIDs, so their first characters are their creation time: a time bound on a table can be
// an id bound, which the (application_id, id) indexes answer without a timestamp index.
import { encodeTime } from "ulid";
import { ID_PREFIXES, type IdKind } from "./ids.js";

/** The smallest id of this kind that can have been created at or after `at`. */
export function smallestIdAt(kind: IdKind, at: Date): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(Math.max(0, at.getTime()))}${"0".repeat(16)}`;
}
