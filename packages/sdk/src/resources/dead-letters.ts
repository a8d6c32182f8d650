// /v1/admin/dead-letters: deliveries that exhausted their retries (admin keys).
import { type Page, paginate } from "../pagination.js";
import { type ApiClient, answer } from "../transport.js";
import type {
  BulkReplayResult,
  DeadLetter,
  DeadLetterFilter,
  ReplayDeadLetters,
  ReplayResult,
} from "../types.js";

export function deadLettersResource(api: ApiClient) {
  const list = (query: DeadLetterFilter = {}): Promise<Page<DeadLetter>> =>
    answer(api.GET("/v1/admin/dead-letters", { params: { query } }));
  return {
    /** Open dead letters, newest first. */
    list,
    listAll: (query: DeadLetterFilter = {}) => paginate((cursor) => list({ ...query, cursor })),
    /** Back to pending, same webhook-id. A dead letter replayed already throws a `conflict`. */
    replay: (deadLetterId: string): Promise<ReplayResult> =>
      answer(
        api.POST("/v1/admin/dead-letters/{deadLetterId}/replay", { params: { path: { deadLetterId } } }),
      ),
    /** Replays every open dead letter matching the filters in one call; `dryRun` only counts. */
    replayMany: (body: ReplayDeadLetters): Promise<BulkReplayResult> =>
      answer(api.POST("/v1/admin/dead-letters/replay", { body })),
  };
}
