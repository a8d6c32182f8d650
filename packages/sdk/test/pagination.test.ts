import { describe, expect, it } from "vitest";
import { collect, type Page, paginate } from "../src/pagination.js";

function pagesOf(items: number[], size: number) {
  const asked: (string | undefined)[] = [];
  const fetchPage = async (cursor: string | undefined): Promise<Page<number>> => {
    asked.push(cursor);
    const start = cursor === undefined ? 0 : Number(cursor);
    const data = items.slice(start, start + size);
    const next = start + size;
    return { data, nextCursor: next < items.length ? String(next) : null };
  };
  return { fetchPage, asked };
}

describe("paginate", () => {
  it("yields every item across pages, following nextCursor until it is null", async () => {
    const { fetchPage, asked } = pagesOf([1, 2, 3, 4, 5], 2);
    expect(await collect(paginate(fetchPage))).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([undefined, "2", "4"]);
  });

  it("fetches only the pages the loop reads", async () => {
    const { fetchPage, asked } = pagesOf([1, 2, 3, 4, 5, 6], 2);
    expect(await collect(paginate(fetchPage), 3)).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, "2"]);
  });

  it("starts from a given cursor", async () => {
    const { fetchPage } = pagesOf([1, 2, 3, 4], 2);
    expect(await collect(paginate(fetchPage, "2"))).toEqual([3, 4]);
  });

  it("stops on an empty page even if the server still names a cursor", async () => {
    let calls = 0;
    const items = paginate(async () => {
      calls++;
      return { data: [], nextCursor: "again" };
    });
    expect(await collect(items)).toEqual([]);
    expect(calls).toBe(1);
  });

  it("collects nothing when asked for zero items", async () => {
    const { fetchPage, asked } = pagesOf([1, 2], 2);
    expect(await collect(paginate(fetchPage), 0)).toEqual([]);
    expect(asked).toEqual([]);
  });
});
