// Limits on the request head: too large, too many, too slow. Node refuses these before Express
// sees them; the answers must still be problem+json, and the API must go on serving.
import { connect } from "node:net";
import { type Platform, startPlatform } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({
    worker: false,
    env: { HOOKLINE_MAX_HEADERS: "50", HOOKLINE_API_HEADERS_TIMEOUT: "1s" },
  });
});
afterAll(async () => {
  await platform?.close();
});

/** Writes raw bytes to the API and reads whatever it answers until it closes the connection. */
function rawExchange(chunks: string[], options: { pauseMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(platform.url).port), "127.0.0.1");
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (data: string) => {
      answer += data;
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" ? resolve(answer) : reject(error),
    );
    socket.on("connect", async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
    });
  });
}

function parseRawResponse(raw: string) {
  const [head = "", body = ""] = raw.split("\r\n\r\n");
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(":")).toLowerCase(),
      line.slice(line.indexOf(":") + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(" ")[1]), headers, body: JSON.parse(body) };
}

function expectProblemBody(body: unknown, status: number) {
  expect(body).toMatchObject({
    type: expect.stringMatching(/^\/problems\//),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
}

describe("request head limits", () => {
  it("answers 431 problem+json to headers larger than 16 KiB, and keeps serving", async () => {
    const response = await fetch(`${platform.url}/v1/applications`, {
      headers: { authorization: `Bearer ${platform.adminKey}`, "x-padding": "a".repeat(20 * 1024) },
    });
    expect(response.status).toBe(431);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expectProblemBody(await response.json(), 431);

    const after = await platform.call("GET", "/v1/applications");
    expect(after.status).toBe(200);
  });

  it("accepts headers just under the size limit", async () => {
    const response = await platform.call("GET", "/v1/applications", {
      headers: { "x-padding": "a".repeat(15 * 1024) },
    });
    expect(response.status).toBe(200);
  });

  it("answers 431 problem+json to more headers than HOOKLINE_MAX_HEADERS, and accepts as many as allowed", async () => {
    const many = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-h${i}`, "v"]));
    const tooMany = await platform.call("GET", "/v1/applications", { headers: many(200) });
    expect(tooMany.status).toBe(431);
    expect(tooMany.headers.get("content-type")).toContain("application/problem+json");
    expectProblemBody(tooMany.body, 431);
    expect(tooMany.body.detail).toMatch(/at most 50 headers/);

    // fetch adds a few headers of its own (host, connection, accept, authorization, …).
    const atLimit = await platform.call("GET", "/v1/applications", { headers: many(40) });
    expect(atLimit.status).toBe(200);
  });

  it("answers a 431 problem+json on the raw socket, with a length and Connection: close", async () => {
    const raw = await rawExchange([
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(17 * 1024)}\r\n\r\n`,
    ]);
    const response = parseRawResponse(raw);
    expect(response.status).toBe(431);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.headers.connection).toBe("close");
    expect(Number(response.headers["content-length"])).toBe(Buffer.byteLength(JSON.stringify(response.body)));
    expectProblemBody(response.body, 431);
  });

  it("answers 400 problem+json to a request that is not HTTP", async () => {
    const response = parseRawResponse(await rawExchange(["HELLO THERE\r\n\r\n"]));
    expect(response.status).toBe(400);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expectProblemBody(response.body, 400);
  });

  it("answers 408 problem+json to a client that sends its headers too slowly", async () => {
    const raw = await rawExchange(
      ["GET /healthz HTTP/1.1\r\n", "Host: x\r\n", "X-Slow: 1\r\n", "X-Slower: 2\r\n"],
      {
        pauseMs: 700,
      },
    );
    const response = parseRawResponse(raw);
    expect(response.status).toBe(408);
    expectProblemBody(response.body, 408);
  });
});
