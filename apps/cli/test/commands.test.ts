// The browsing and operating commands (send, events, deliveries, dead-letters) through the real
// bin against a real platform: output for people, --json for scripts, exit statuses.
import { type Platform, type Receiver, startPlatform, startReceiver, waitFor } from "@hookline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHookline } from "./cli-process.js";

let platform: Platform;
let receiver: Receiver;

beforeAll(async () => {
  platform = await startPlatform({
    // Dead letters quickly, and without the circuit breaker pausing an endpoint that fails a dozen times.
    env: { HOOKLINE_RETRY_SCHEDULE: "50ms", HOOKLINE_BREAKER_THRESHOLD: "1000" },
  });
  receiver = await startReceiver((request) => (request.path === "/down" ? { status: 500 } : { status: 204 }));
});
afterAll(async () => {
  await receiver?.close();
  await platform?.close();
});

function as(key: string) {
  return { env: { HOOKLINE_URL: platform.url, HOOKLINE_KEY: key } };
}

async function json(args: string[], key = platform.adminKey) {
  const run = await runHookline([...args, "--json"], as(key));
  if (run.code !== 0) throw new Error(`hookline ${args.join(" ")} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

async function endpoint(appId: string, path: string) {
  const created = await platform.call("POST", `/v1/applications/${appId}/endpoints`, {
    body: { url: `${receiver.url}${path}` },
  });
  return created.body.id as string;
}

describe("hookline send, events and deliveries", { timeout: 60_000 }, () => {
  it("sends an event, then finds it and its delivery with the list filters", async () => {
    const { appId, producerKey, partnerKey } = await platform.createTenant("cli");
    const endpointId = await endpoint(appId, "/ok");

    const sent = await runHookline(
      [
        "send",
        "--app",
        appId,
        "--type",
        "order.created",
        "--data",
        '{"order":7}',
        "--idempotency-key",
        "o-7",
      ],
      as(producerKey),
    );
    expect(sent.code).toBe(0);
    const eventId = /event\s+(msg_\w+)/.exec(sent.stdout)?.[1];
    expect(eventId).toBeDefined();
    expect(sent.stdout).toMatch(/duplicate\s+no/);
    const again = await json(
      ["send", "--app", appId, "--type", "order.created", "--idempotency-key", "o-7"],
      producerKey,
    );
    expect(again).toMatchObject({ id: eventId, duplicate: true });
    const fromStdin = await runHookline(
      ["send", "--app", appId, "--type", "user.created", "--data-file", "-", "--json"],
      {
        ...as(producerKey),
        stdin: '{"user":"u_1"}',
      },
    );
    expect(JSON.parse(fromStdin.stdout).deliveries).toHaveLength(1);

    await waitFor(async () => {
      const page = await json(["deliveries", "list", "--app", appId, "--status", "succeeded"], partnerKey);
      return page.data.length === 2;
    });
    const byType = await json(["deliveries", "list", "--app", appId, "--type", "order.created"], partnerKey);
    expect(byType.data.map((d: { eventId: string }) => d.eventId)).toEqual([eventId]);
    const byEndpoint = await json(
      ["deliveries", "list", "--app", appId, "--endpoint", endpointId],
      partnerKey,
    );
    expect(byEndpoint.data).toHaveLength(2);
    const pending = await json(["deliveries", "list", "--app", appId, "--status", "pending"], partnerKey);
    expect(pending.data).toEqual([]);

    const table = await runHookline(["events", "list", "--app", appId], as(partnerKey));
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+TYPE\s+CREATED\s+PAYLOAD$/);
    expect(table.stdout).toContain(`${eventId}  order.created`);
    const shown = await runHookline(["events", "get", eventId as string, "--app", appId], as(partnerKey));
    expect(shown.stdout).toContain('"order": 7');
    expect(shown.stdout).toMatch(/succeeded\s+msg_/);
  });

  it("walks every page with --all and points to the next page without it", async () => {
    const { appId } = await platform.createTenant("paged");
    for (let i = 0; i < 5; i++) {
      await platform.call("POST", `/v1/applications/${appId}/events`, {
        body: { eventType: "p.t", payload: { i } },
      });
    }
    const all = await json(["events", "list", "--app", appId, "--limit", "2", "--all"]);
    expect(all.data.map((event: { payload: { i: number } }) => event.payload.i)).toEqual([4, 3, 2, 1, 0]);
    expect(all.nextCursor).toBeNull();
    const first = await runHookline(
      ["events", "list", "--app", appId, "--limit", "2"],
      as(platform.adminKey),
    );
    expect(first.stdout.trim().split("\n")).toHaveLength(3);
    expect(first.stderr).toMatch(/more events: add --cursor \S+ \(or --all\)/);
  });

  it("exits 1 with the API's reason for a failed call, and 2 for a wrong command line", async () => {
    const missing = await runHookline(["events", "list", "--app", "no-such-app"], as(platform.adminKey));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('answered 404: no application "no-such-app" here');

    const { producerKey } = await platform.createTenant("producer-only");
    const forbidden = await runHookline(["dead-letters", "list", "--all"], as(producerKey));
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain("answered 403");

    const noKey = await runHookline(["events", "list", "--app", "x"], {
      env: { HOOKLINE_URL: platform.url },
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("no API key");
    const badTime = await runHookline(
      ["events", "list", "--app", "x", "--since", "last week"],
      as(producerKey),
    );
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain("must be an ISO-8601 time");
    const badJson = await runHookline(
      ["send", "--app", "x", "--type", "a.b", "--data", "{nope"],
      as(producerKey),
    );
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain("the payload is not JSON");
  });
});

describe("hookline dead-letters", { timeout: 60_000 }, () => {
  it("lists, dry-runs and bulk-replays dead letters with progress, then reports nothing left", async () => {
    const { appId } = await platform.createTenant("dlq");
    await endpoint(appId, "/down");
    const count = 12;
    for (let i = 0; i < count; i++) {
      await platform.call("POST", `/v1/applications/${appId}/events`, {
        body: { eventType: "d.l", payload: { i } },
      });
    }
    await waitFor(
      async () => (await json(["dead-letters", "list", "--app", appId, "--all"])).data.length === count,
      {
        what: `${count} dead letters`,
      },
    );

    const refused = await runHookline(["dead-letters", "replay"], as(platform.adminKey));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("add --all");

    const dry = await json(["dead-letters", "replay", "--app", appId, "--dry-run"]);
    expect(dry).toMatchObject({ dryRun: true, count });
    expect((await json(["dead-letters", "list", "--app", appId, "--all"])).data).toHaveLength(count);

    receiver.setScript(() => ({ status: 204 }));
    const replay = await runHookline(["dead-letters", "replay", "--app", appId], as(platform.adminKey));
    expect(replay.code).toBe(0);
    expect(replay.stdout.trim()).toBe(`replayed ${count}, skipped 0 (already replayed), failed 0`);
    // Not a terminal: a progress line every tenth instead of a bar.
    expect(replay.stderr.trim().split("\n")).toEqual(
      [2, 4, 6, 8, 10, 12].map((done) => `replaying: ${done}/${count}`),
    );
    await waitFor(async () => {
      const page = await json(["deliveries", "list", "--app", appId, "--status", "succeeded", "--all"]);
      return page.data.length === count;
    });
    expect((await json(["dead-letters", "list", "--app", appId])).data).toEqual([]);
    const nothing = await runHookline(["dead-letters", "replay", "--app", appId], as(platform.adminKey));
    expect(nothing.stdout.trim()).toBe("replayed 0, skipped 0 (already replayed), failed 0");
  });

  it("replays one dead letter by id, and says conflict when it was replayed already", async () => {
    receiver.setScript((request) => (request.path === "/down" ? { status: 500 } : { status: 204 }));
    const { appId } = await platform.createTenant("dlq-one");
    await endpoint(appId, "/down");
    await platform.call("POST", `/v1/applications/${appId}/events`, {
      body: { eventType: "d.one", payload: {} },
    });
    const dead = await waitFor(async () => (await json(["dead-letters", "list", "--app", appId])).data[0]);

    const replayed = await json(["dead-letters", "replay", dead.id]);
    expect(replayed).toEqual({ id: dead.id, deliveryId: dead.deliveryId });
    const again = await runHookline(["dead-letters", "replay", dead.id], as(platform.adminKey));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("answered 409: replayed already");
  });
});
