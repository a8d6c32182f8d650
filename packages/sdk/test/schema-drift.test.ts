// The SDK's types must describe the API as it is: regenerate from the live /openapi.json and
// compare with the committed schema.d.ts.
import { type Platform, startPlatform } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchOpenApiDocument, readCommittedSchema, renderSchema } from "../scripts/schema-source.js";

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ worker: false });
});
afterAll(async () => {
  await platform?.close();
});

describe("generated SDK types", () => {
  it("match the live OpenAPI document of the running API", async () => {
    const document = await fetchOpenApiDocument(platform.url);
    const operationIds = Object.values(document.paths ?? {}).flatMap((item) =>
      Object.values(item).flatMap((operation) =>
        typeof operation === "object" && operation && "operationId" in operation
          ? [operation.operationId]
          : [],
      ),
    );
    expect(operationIds).toContain("v1.event.create");

    const live = await renderSchema(document);
    const committed = await readCommittedSchema();
    expect(
      committed === live,
      "packages/sdk/src/schema.d.ts is out of date with the API's /openapi.json: run `npm run sdk:generate` and commit the result",
    ).toBe(true);
  });
});
