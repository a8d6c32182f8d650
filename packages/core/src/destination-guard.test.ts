import { describe, expect, it } from "vitest";
import {
  allowListProblems,
  blockedAddressReason,
  checkDestination,
  checkUrlSyntax,
  type DestinationPolicy,
  type ResolvedAddress,
  type Resolver,
} from "./destination-guard.js";

const strict: DestinationPolicy = { allow: [], httpsOnly: false };
const PUBLIC_V4 = "93.184.215.14";

/** Answers every name with `addresses`; a refusal can then only come from the URL itself. */
const answering =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address): ResolvedAddress => ({ address, family: address.includes(":") ? 6 : 4 }));

const failing =
  (code: string): Resolver =>
  async () => {
    throw Object.assign(new Error(`getaddrinfo ${code}`), { code });
  };

// [spelling, what the refusal must mention, what DNS answers (a public address unless given)]
const hostile: Array<[string, RegExp, string[]?]> = [
  // IPv4 loopback in every spelling the WHATWG parser folds into 127.0.0.1
  ["http://127.0.0.1/", /127\.0\.0\.1 is a loopback address/],
  ["http://127.1/", /loopback/],
  ["http://2130706433/", /loopback/],
  ["http://0177.0.0.1/", /loopback/],
  ["http://0x7f.1/", /loopback/],
  ["http://0x7f000001/", /loopback/],
  ["http://017700000001/", /loopback/],
  ["http://127.000.000.001/", /loopback/],
  ["http://127.0.0.1./", /loopback/],
  ["http://127.255.255.254:8080/x", /loopback/],
  ["http://%31%32%37.0.0.1/", /loopback/],
  ["http://127%2E0%2E0%2E1/", /loopback/],
  ["http://１２７.０.０.１/", /loopback/],
  ["http://127。0。0。1/", /loopback/],
  ["http://127.0.\t0.1/", /loopback/],
  ["  http://127.0.0.1/  ", /loopback/],
  ["http:/127.0.0.1/", /loopback/],
  ["http:\\\\127.0.0.1\\", /loopback/],
  ["http://127.0.0.1\\@evil.com/", /loopback/],
  ["http://127.0.0.1#@evil.com/", /loopback/],
  // unspecified, private, CGNAT, link-local, metadata
  ["http://0/", /unspecified/],
  ["http://0.0.0.0:8080/", /unspecified/],
  ["http://10.0.0.1/", /private address \(RFC 1918\)/],
  ["http://012.1/", /private/],
  ["http://172.16.0.1/", /private/],
  ["http://172.31.255.255/", /private/],
  ["http://192.168.1.1/", /private/],
  ["http://0xc0a80001/", /private/],
  ["http://100.64.0.1/", /carrier-grade NAT/],
  ["http://169.254.0.1/", /link-local/],
  ["http://169.254.169.254/latest/meta-data/", /cloud metadata/],
  ["http://2852039166/", /cloud metadata/],
  ["http://0xa9fea9fe/", /cloud metadata/],
  ["http://0251.0376.0251.0376/", /cloud metadata/],
  ["http://169.254.170.2/v2/credentials", /cloud metadata/],
  ["http://100.100.100.200/latest/meta-data/", /cloud metadata/],
  ["http://168.63.129.16/machine", /cloud metadata/],
  // multicast, broadcast, reserved, benchmarking, documentation
  ["http://224.0.0.1/", /multicast/],
  ["http://239.255.255.250:1900/", /multicast/],
  ["http://255.255.255.255/", /broadcast/],
  ["http://240.0.0.1/", /reserved/],
  ["http://198.18.0.1/", /benchmarking/],
  ["http://192.0.2.1/", /documentation/],
  ["http://198.51.100.7/", /documentation/],
  ["http://203.0.113.9/", /documentation/],
  ["http://192.0.0.8/", /IETF protocol/],
  // IPv6 literals
  ["http://[::1]/", /loopback/],
  ["http://[0:0:0:0:0:0:0:1]/", /loopback/],
  ["http://[0000::0001]:8080/", /loopback/],
  ["http://[::]/", /unspecified/],
  ["http://[::ffff:127.0.0.1]/", /IPv4-mapped IPv6 address of 127\.0\.0\.1, a loopback/],
  ["http://[::ffff:7f00:1]/", /IPv4-mapped .* loopback/],
  ["http://[::FFFF:7F00:1]/", /IPv4-mapped .* loopback/],
  ["http://[::ffff:169.254.169.254]/", /IPv4-mapped .* cloud metadata/],
  ["http://[::ffff:10.0.0.1]/", /IPv4-mapped .* private/],
  ["http://[::127.0.0.1]/", /IPv4-compatible .* loopback/],
  ["http://[::8.8.8.8]/", /deprecated IPv4-compatible/],
  ["http://[::ffff:0:127.0.0.1]/", /IPv4-translated .* loopback/],
  ["http://[64:ff9b::127.0.0.1]/", /NAT64 address of 127\.0\.0\.1/],
  ["http://[64:ff9b::a9fe:a9fe]/", /NAT64 .* cloud metadata/],
  ["http://[64:ff9b:1::a00:1]/", /local-use NAT64/],
  ["http://[2002:7f00:1::]/", /6to4 address of 127\.0\.0\.1/],
  ["http://[2002:a00:1::1]/", /6to4 .* private/],
  ["http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", /Teredo address whose client is 127\.0\.0\.1/],
  ["http://[2001:0:a00:1::1]/", /Teredo address whose server is 10\.0\.0\.1/],
  ["http://[fe80::1]/", /link-local/],
  ["http://[fe80::1%25eth0]/", /not a valid absolute URL/],
  ["http://[fc00::1]/", /unique local/],
  ["http://[fd12:3456:789a::1]/", /unique local/],
  ["http://[fd00:ec2::254]/latest/meta-data/", /cloud metadata/],
  ["http://[fd20:ce::254]/", /cloud metadata/],
  ["http://[fec0::1]/", /site-local/],
  ["http://[ff02::1]/", /multicast/],
  ["http://[100::1]/", /discard-only/],
  ["http://[2001:db8::1]/", /documentation/],
  ["http://[2001:2::1]/", /benchmarking/],
  ["http://[4000::1]/", /reserved IPv6/],
  // names
  ["http://localhost/", /localhost is a name for this machine/],
  ["http://LOCALHOST/", /localhost is/],
  ["http://localhost./", /localhost is/],
  ["http://localhost../", /localhost is/],
  ["http://localhost:8080/hook", /localhost is/],
  ["http://lo%63alhost/", /localhost is/],
  ["http://ⓛocalhost/", /localhost is/],
  ["http://ｌｏｃａｌｈｏｓｔ/", /localhost is/],
  ["http://api.localhost/", /api\.localhost is a name for this machine/],
  ["http://metadata/computeMetadata/v1/", /single-label/],
  ["http://instance-data/latest/", /single-label/],
  ["http://metadata.google.internal/computeMetadata/v1/", /\.internal/],
  ["http://METADATA.GOOGLE.INTERNAL./", /\.internal/],
  ["http://ip-10-0-0-1.ec2.internal/", /\.internal/],
  ["http://printer.local/", /multicast DNS/],
  ["http://kubernetes.default.svc.cluster.local/", /multicast DNS/],
  ["http://router.home.arpa/", /home-network/],
  ["http://localhost.localdomain/", /localdomain/],
  // names that resolve somewhere they should not
  ["http://127.0.0.1.nip.io/", /resolves to 127\.0\.0\.1, a loopback/, ["127.0.0.1"]],
  ["http://169.254.169.254.nip.io/", /resolves to 169\.254\.169\.254, a cloud metadata/, ["169.254.169.254"]],
  ["https://internal.example.com/", /resolves to 10\.1\.2\.3, a private/, ["10.1.2.3"]],
  ["https://mixed.example.com/", /resolves to 127\.0\.0\.1/, [PUBLIC_V4, "127.0.0.1"]],
  ["https://v6.example.com/", /resolves to ::1, a loopback/, ["::1"]],
  ["https://mapped.example.com/", /resolves to ::ffff:127\.0\.0\.1, an IPv4-mapped/, ["::ffff:127.0.0.1"]],
  ["https://imds6.example.com/", /resolves to fd00:ec2::254, a cloud metadata/, ["fd00:ec2::254"]],
  ["https://garbage.example.com/", /not an IP address/, ["not-an-ip"]],
  ["https://empty.example.com/", /has no addresses/, []],
  // credentials, schemes, garbage
  ["http://evil.com@127.0.0.1/", /credentials/],
  ["http://user:pass@example.com/", /credentials/],
  ["http://:secret@example.com/", /credentials/],
  ["file:///etc/passwd", /not file:/],
  ["gopher://127.0.0.1:6379/_FLUSHALL", /not gopher:/],
  ["ftp://example.com/", /not ftp:/],
  ["ws://example.com/", /not ws:/],
  ["javascript:alert(1)", /not javascript:/],
  ["data:text/plain,hello", /not data:/],
  ["//127.0.0.1/", /not a valid absolute URL/],
  ["not a url", /not a valid absolute URL/],
  ["", /not a valid absolute URL/],
  ["http://foo.0x10/", /not a valid absolute URL/],
];

describe("checkDestination refuses hostile URLs", () => {
  it("holds a corpus of at least 40 spellings", () => {
    expect(hostile.length).toBeGreaterThanOrEqual(40);
  });

  it.each(hostile)("refuses %j", async (raw, mentions, answers = [PUBLIC_V4]) => {
    const verdict = await checkDestination(raw, strict, answering(...answers));
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(mentions) });
  });
});

describe("checkDestination accepts public destinations", () => {
  const cases: Array<[string, string[]]> = [
    ["https://example.com/hook", [PUBLIC_V4]],
    ["https://example.com./hook", [PUBLIC_V4]],
    ["https://EXAMPLE.com:8443/hook?x=1#frag", [PUBLIC_V4]],
    ["https://dual.example.com/", [PUBLIC_V4, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]],
    ["https://xn--bcher-kva.example/", [PUBLIC_V4]],
    ["https://rebind.test/", [PUBLIC_V4]],
    ["https://[2606:4700::1111]/", []],
    ["http://93.184.215.14:8080/path", []],
    ["http://8.8.8.8/", []],
    ["https://[::ffff:8.8.8.8]/", []],
    ["https://[64:ff9b::808:808]/", []],
    ["https://[2002:808:808::1]/", []],
    ["https://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/", []],
  ];

  it.each(cases)("accepts %j", async (raw, answers) => {
    const verdict = await checkDestination(raw, strict, answering(...answers));
    expect(verdict.ok).toBe(true);
  });

  it("does not consult DNS for IP literals", async () => {
    const verdict = await checkDestination("https://[2606:4700::1111]/", strict, failing("EAI_AGAIN"));
    expect(verdict.ok).toBe(true);
  });

  it("returns the parsed URL", async () => {
    const verdict = await checkDestination("https://example.com/hook", strict, answering(PUBLIC_V4));
    expect(verdict.ok && verdict.url.href).toBe("https://example.com/hook");
  });
});

describe("checkDestination and DNS failures", () => {
  it("refuses a host that does not resolve, naming the error code", async () => {
    const verdict = await checkDestination("https://nowhere.invalid/", strict, failing("ENOTFOUND"));
    expect(verdict).toEqual({
      ok: false,
      reason: "The endpoint host nowhere.invalid could not be resolved (ENOTFOUND).",
    });
  });
});

describe("checkUrlSyntax", () => {
  it("accepts a public name without resolving it", () => {
    expect(checkUrlSyntax("https://example.com/hook", strict).ok).toBe(true);
  });

  it("refuses http when httpsOnly is set, and accepts https", () => {
    const httpsOnly = { allow: [], httpsOnly: true };
    expect(checkUrlSyntax("http://example.com/", httpsOnly)).toEqual({
      ok: false,
      reason: "Only https endpoint URLs are accepted.",
    });
    expect(checkUrlSyntax("https://example.com/", httpsOnly).ok).toBe(true);
  });

  it("gives a full sentence as the reason", () => {
    expect(checkUrlSyntax("http://0x7f.1/", strict)).toEqual({
      ok: false,
      reason:
        "The endpoint host 127.0.0.1 is a loopback address; endpoints must be reachable on the public internet.",
    });
  });

  it("refuses credentials even on an allow-listed host", () => {
    const verdict = checkUrlSyntax("http://user:pw@localhost/", { allow: ["localhost"], httpsOnly: false });
    expect(verdict.ok).toBe(false);
  });
});

describe("the allow-list", () => {
  const loopback: DestinationPolicy = { allow: ["127.0.0.0/8"], httpsOnly: false };

  it("lets an allowed CIDR through", async () => {
    const verdict = await checkDestination("http://127.0.0.1:3000/x", loopback, answering());
    expect(verdict.ok).toBe(true);
  });

  it("covers the IPv4-mapped form of an allowed IPv4 address", async () => {
    expect((await checkDestination("http://[::ffff:127.0.0.1]:3000/", loopback, answering())).ok).toBe(true);
  });

  it("covers names that resolve inside the allowed CIDR", async () => {
    const verdict = await checkDestination("http://receiver.test/", loopback, answering("127.0.0.1"));
    expect(verdict.ok).toBe(true);
  });

  it("does not open other ranges", async () => {
    for (const raw of ["http://10.0.0.1/", "http://[::1]/", "http://169.254.169.254/", "http://localhost/"]) {
      expect((await checkDestination(raw, loopback, answering("127.0.0.1"))).ok, raw).toBe(false);
    }
    const mixed = await checkDestination(
      "http://receiver.test/",
      loopback,
      answering("127.0.0.1", "10.0.0.1"),
    );
    expect(mixed.ok).toBe(false);
  });

  it("lets an allowed host name through whatever it resolves to", async () => {
    const policy = { allow: ["localhost", "Receiver.Test."], httpsOnly: false };
    expect((await checkDestination("http://localhost:3000/", policy, answering("127.0.0.1"))).ok).toBe(true);
    expect((await checkDestination("http://localhost./", policy, answering("::1"))).ok).toBe(true);
    expect((await checkDestination("http://receiver.test/", policy, answering("10.0.0.7"))).ok).toBe(true);
  });

  it("exempts a name but not its subdomains, nor other names resolving to the same place", async () => {
    const policy = { allow: ["receiver.test"], httpsOnly: false };
    expect((await checkDestination("http://a.receiver.test/", policy, answering("10.0.0.7"))).ok).toBe(false);
    expect((await checkDestination("http://other.test/", policy, answering("10.0.0.7"))).ok).toBe(false);
    expect((await checkDestination("http://10.0.0.7/", policy, answering())).ok).toBe(false);
  });

  it("accepts IPv6 CIDRs and bare addresses", () => {
    const policy = { allow: ["::1/128", "fd00::/8", "10.9.8.7"], httpsOnly: false };
    expect(blockedAddressReason("::1", policy)).toBeUndefined();
    expect(blockedAddressReason("fd12::1", policy)).toBeUndefined();
    expect(blockedAddressReason("10.9.8.7", policy)).toBeUndefined();
    expect(blockedAddressReason("10.9.8.8", policy)).toBe("10.9.8.8 is a private address (RFC 1918)");
    expect(blockedAddressReason("fc00::1", policy)).toMatch(/unique local/);
  });

  it("reports entries that exempt nothing, and lets them exempt nothing", () => {
    const allow = [
      "0.0.0.0/0",
      "::/0",
      "10.0.0.0/33",
      "localhost:3000",
      "a..b",
      "127.0.0.0/8",
      "receiver.test",
    ];
    expect(allowListProblems(allow)).toEqual([
      '"0.0.0.0/0" is broader than /8.',
      '"::/0" is broader than /7.',
      '"10.0.0.0/33" is neither a CIDR nor a host name.',
      '"localhost:3000" is neither a CIDR nor a host name.',
      '"a..b" is not a host name.',
    ]);
    const policy = { allow, httpsOnly: false };
    expect(blockedAddressReason("10.0.0.1", policy)).toBeDefined();
    expect(blockedAddressReason("::1", policy)).toBeDefined();
    expect(blockedAddressReason("127.0.0.1", policy)).toBeUndefined();
  });
});

describe("blockedAddressReason", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1 is a loopback address"],
    ["::ffff:7f00:1", "::ffff:7f00:1 is an IPv4-mapped IPv6 address of 127.0.0.1, a loopback address"],
    ["fe80::1%eth0", "fe80::1%eth0 is a link-local address"],
    ["100.127.255.255", "100.127.255.255 is a carrier-grade NAT address (RFC 6598)"],
    ["0127.0.0.1", "0127.0.0.1 is not an IP address"],
    ["localhost", "localhost is not an IP address"],
  ])("describes %s", (ip, reason) => {
    expect(blockedAddressReason(ip, strict)).toBe(reason);
  });

  it.each([
    "93.184.215.14",
    "100.63.255.255",
    "100.128.0.0",
    "172.32.0.1",
    "2606:4700::1111",
    "2a00:1450::1",
  ])("allows %s", (ip) => {
    expect(blockedAddressReason(ip, strict)).toBeUndefined();
  });
});
