import type { LookupAddress, LookupOptions } from "node:dns";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkDestination, type DestinationPolicy, type Resolver } from "./destination-guard.js";
import { createGuardedLookup, DESTINATION_BLOCKED, DestinationBlockedError } from "./guarded-lookup.js";

const strict: DestinationPolicy = { allow: [], httpsOnly: false };
const PUBLIC_V4 = "93.184.215.14";
const PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c";

const answering =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? (6 as const) : (4 as const) }));

type Answer = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function lookupWith(lookup: ReturnType<typeof createGuardedLookup>, host: string, options: LookupOptions) {
  return new Promise<Answer>((resolve) => {
    lookup(host, options, (error, address, family) => resolve({ error, address, family }));
  });
}

describe("createGuardedLookup", () => {
  it("hands back every answer when all are allowed and all are asked for", async () => {
    const lookup = createGuardedLookup(strict, answering(PUBLIC_V4, PUBLIC_V6));
    expect(await lookupWith(lookup, "example.com", { all: true })).toEqual({
      error: null,
      address: [
        { address: PUBLIC_V4, family: 4 },
        { address: PUBLIC_V6, family: 6 },
      ],
      family: undefined,
    });
  });

  it("hands back the first answer of the requested family otherwise", async () => {
    const lookup = createGuardedLookup(strict, answering(PUBLIC_V4, PUBLIC_V6));
    expect(await lookupWith(lookup, "example.com", {})).toMatchObject({ address: PUBLIC_V4, family: 4 });
    expect(await lookupWith(lookup, "example.com", { family: 6 })).toMatchObject({ address: PUBLIC_V6 });
    expect(await lookupWith(lookup, "example.com", { family: "IPv6", all: true })).toMatchObject({
      address: [{ address: PUBLIC_V6, family: 6 }],
    });
  });

  it("fails with ENOTFOUND when no answer has the requested family", async () => {
    const lookup = createGuardedLookup(strict, answering(PUBLIC_V4));
    const { error } = await lookupWith(lookup, "example.com", { family: 6 });
    expect(error?.code).toBe("ENOTFOUND");
  });

  it("refuses the whole name when any answer is blocked, even one of another family", async () => {
    const lookup = createGuardedLookup(strict, answering(PUBLIC_V4, "::1"));
    const { error } = await lookupWith(lookup, "mixed.example.com", { family: 4 });
    expect(error).toBeInstanceOf(DestinationBlockedError);
    expect(error?.code).toBe(DESTINATION_BLOCKED);
    expect(error?.message).toBe(
      "Hookline refused to connect: The endpoint host mixed.example.com resolves to ::1, a loopback address.",
    );
  });

  it("refuses blocked names and IP literals without asking the resolver", async () => {
    const resolver: Resolver = async () => {
      throw new Error("resolver must not be called");
    };
    const lookup = createGuardedLookup(strict, resolver);
    for (const host of ["localhost", "metadata.google.internal.", "127.0.0.1", "::ffff:7f00:1", "[::1]"]) {
      expect((await lookupWith(lookup, host, {})).error?.code, host).toBe(DESTINATION_BLOCKED);
    }
    expect(await lookupWith(lookup, "8.8.8.8", { all: true })).toMatchObject({
      error: null,
      address: [{ address: "8.8.8.8", family: 4 }],
    });
  });

  it("passes resolver errors through unchanged", async () => {
    const failure = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), { code: "ENOTFOUND" });
    const lookup = createGuardedLookup(strict, async () => {
      throw failure;
    });
    expect((await lookupWith(lookup, "nowhere.invalid", {})).error).toBe(failure);
  });

  it("lets allow-listed names and CIDRs through", async () => {
    const byName = createGuardedLookup({ allow: ["receiver.test"], httpsOnly: false }, answering("10.0.0.7"));
    expect(await lookupWith(byName, "receiver.test", {})).toMatchObject({ error: null, address: "10.0.0.7" });
    const byCidr = createGuardedLookup({ allow: ["10.0.0.0/24"], httpsOnly: false }, answering("10.0.0.7"));
    expect(await lookupWith(byCidr, "anything.test", {})).toMatchObject({ error: null, address: "10.0.0.7" });
    expect((await lookupWith(byCidr, "10.0.1.7", {})).error?.code).toBe(DESTINATION_BLOCKED);
  });
});

describe("DNS rebinding against a real receiver", () => {
  let receiver: Server;
  let port: number;
  let hits: number;
  let agent: Agent | undefined;

  beforeEach(async () => {
    hits = 0;
    receiver = createServer((req, res) => {
      hits += 1;
      req.resume();
      res.end("ok");
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    port = (receiver.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await agent?.close();
    agent = undefined;
    await new Promise((resolve) => receiver.close(resolve));
  });

  /** Public on the first question (registration), 127.0.0.1 on every later one (delivery). */
  function rebinding(): Resolver & { calls: number } {
    const resolver = Object.assign(
      async () => {
        resolver.calls += 1;
        return [{ address: resolver.calls === 1 ? PUBLIC_V4 : "127.0.0.1", family: 4 as const }];
      },
      { calls: 0 },
    );
    return resolver;
  }

  async function post(policy: DestinationPolicy, resolver: Resolver) {
    const url = `http://rebind.test:${port}/`;
    const registration = await checkDestination(url, policy, resolver);
    agent = new Agent({ connect: { lookup: createGuardedLookup(policy, resolver) } });
    const delivery = request(url, { dispatcher: agent, method: "POST", body: "{}" }).then(
      async (response) => {
        await response.body.text();
        return response.statusCode;
      },
    );
    return { registration, delivery };
  }

  it("passes registration, then refuses to connect when the name turns to 127.0.0.1", async () => {
    const resolver = rebinding();
    const { registration, delivery } = await post(strict, resolver);
    expect(registration.ok).toBe(true);
    await expect(delivery).rejects.toMatchObject({
      code: DESTINATION_BLOCKED,
      message: expect.stringContaining("rebind.test resolves to 127.0.0.1, a loopback address"),
    });
    expect(resolver.calls).toBeGreaterThanOrEqual(2);
    expect(hits).toBe(0);
  });

  it("reaches the receiver when 127.0.0.0/8 is allowed (positive control)", async () => {
    const { registration, delivery } = await post({ allow: ["127.0.0.0/8"], httpsOnly: false }, rebinding());
    expect(registration.ok).toBe(true);
    expect(await delivery).toBe(200);
    expect(hits).toBe(1);
  });
});
