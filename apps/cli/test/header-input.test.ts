import { describe, expect, it } from "vitest";
import { UsageError } from "../src/io.js";
import { parseHeaderLines, parseHeadersFile } from "../src/verify/header-input.js";

describe("parseHeaderLines", () => {
  it("reads name: value lines, lower-casing names and keeping colons inside values", () => {
    expect(
      parseHeaderLines(["Webhook-Id: msg_1", "webhook-signature: v1,abc= v1,def=", "x-url: http://a:1/b"]),
    ).toEqual({
      "webhook-id": ["msg_1"],
      "webhook-signature": ["v1,abc= v1,def="],
      "x-url": ["http://a:1/b"],
    });
  });

  it("skips an HTTP request line and blank lines, as in a copied request dump", () => {
    expect(parseHeaderLines(["POST /webhooks HTTP/1.1", "", "Host: localhost"])).toEqual({
      host: ["localhost"],
    });
  });

  it("keeps every value of a repeated header", () => {
    expect(parseHeaderLines(["a: 1", "A: 2"])).toEqual({ a: ["1", "2"] });
  });

  it("refuses a line without a name and a colon", () => {
    expect(() => parseHeaderLines(["just text"])).toThrow(UsageError);
    expect(() => parseHeaderLines([": value"])).toThrow(/not a header line/);
  });
});

describe("parseHeadersFile", () => {
  it("reads a JSON object of strings and string lists", () => {
    expect(parseHeadersFile('{"Webhook-Id": "msg_1", "x-many": ["a", "b"], "x-n": 5}')).toEqual({
      "webhook-id": ["msg_1"],
      "x-many": ["a", "b"],
      "x-n": ["5"],
    });
  });

  it("reads header lines with CRLF endings", () => {
    expect(parseHeadersFile("webhook-id: msg_1\r\nwebhook-timestamp: 1\r\n")).toEqual({
      "webhook-id": ["msg_1"],
      "webhook-timestamp": ["1"],
    });
  });

  it("refuses broken JSON and non-string values with a usage error", () => {
    expect(() => parseHeadersFile("{oops")).toThrow(/not valid JSON/);
    expect(() => parseHeadersFile('{"a": {"b": 1}}')).toThrow(/must be a string/);
  });
});
