// Cursor pagination (`?limit=&cursor=` → `{data, nextCursor}`) as async iteration.

/** One page of a list operation. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Every item of a list, fetching pages as the loop asks for them.
 *
 * @example
 * for await (const delivery of paginate((cursor) => client.deliveries.list(appId, { cursor }))) {
 *   console.log(delivery.id);
 * }
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  startCursor?: string,
): AsyncGenerator<T, void, undefined> {
  let cursor = startCursor;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.data;
    if (page.nextCursor === null || page.data.length === 0) return;
    cursor = page.nextCursor;
  }
}

/** Reads an async iterable into an array, stopping after `max` items. */
export async function collect<T>(items: AsyncIterable<T>, max = Number.POSITIVE_INFINITY): Promise<T[]> {
  const result: T[] = [];
  if (max <= 0) return result;
  for await (const item of items) {
    result.push(item);
    if (result.length >= max) break;
  }
  return result;
}
