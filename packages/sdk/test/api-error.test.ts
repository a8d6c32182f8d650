import { describe, expect, it } from "vitest";
import { HooklineApiError, isHooklineApiError } from "../src/api-error.js";

describe("HooklineApiError", () => {
  it("reads the kind from the problem type and keeps the problem's detail and field errors", () => {
    const error = new HooklineApiError("POST /v1/applications/{appId}/endpoints", 400, {
      type: "/problems/invalid-request",
      title: "The request is invalid",
      status: 400,
      detail: "body.url: must be a URL",
      errors: [{ path: "body.url", message: "must be a URL" }],
    });
    expect(error.kind).toBe("invalid-request");
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      "POST /v1/applications/{appId}/endpoints answered 400: body.url: must be a URL",
    );
    expect(error.fieldErrors).toEqual([{ path: "body.url", message: "must be a URL" }]);
    expect(isHooklineApiError(error, "invalid-request")).toBe(true);
    expect(isHooklineApiError(error, "not-found")).toBe(false);
  });

  it("is of kind unknown when the answer is not a Hookline problem (a proxy's error page)", () => {
    const error = new HooklineApiError("GET /v1/applications", 502, "<html>Bad Gateway</html>");
    expect(error.kind).toBe("unknown");
    expect(error.problem).toBeUndefined();
    expect(error.message).toContain("<html>Bad Gateway</html>");
    expect(error.fieldErrors).toEqual([]);
  });

  it("is of kind unknown for a problem type it does not know", () => {
    const error = new HooklineApiError("GET /v1/keys", 418, {
      type: "/problems/teapot",
      title: "Teapot",
      status: 418,
      detail: "short and stout",
    });
    expect(error.kind).toBe("unknown");
    expect(error.problem?.detail).toBe("short and stout");
  });
});
