// The SSRF guard: which endpoint URLs Hookline may deliver to. Routes call checkDestination when an
// endpoint is saved; the worker connects through createGuardedLookup (guarded-lookup.ts), which
// applies the same address rules to the answers it actually connects to.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { domainToASCII } from "node:url";

export type DestinationPolicy = {
  /** CIDRs ("127.0.0.0/8", "::1/128", a bare IP) and exact host names ("localhost") exempt from the
   * guard: for local receivers in development and tests. A name exempts only itself, not its
   * subdomains. Entries broader than /8 (IPv4) or /7 (IPv6), or unreadable, exempt nothing. */
  allow: readonly string[];
  /** Refuse plain http URLs. */
  httpsOnly: boolean;
};

/** `reason` is a sentence fit for the `detail` of a 4xx problem+json answer. */
export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The operating system's resolver (getaddrinfo, so /etc/hosts counts), every answer. */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

const PUBLIC_ONLY = "endpoints must be reachable on the public internet";

/** Everything that can be decided without DNS: syntax, scheme, credentials, IP literals and reserved
 * names. A host name that passes still has to resolve to allowed addresses (checkDestination). */
export function checkUrlSyntax(raw: string, policy: DestinationPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "The endpoint URL is not a valid absolute URL." };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, reason: `Only http and https endpoint URLs are accepted, not ${url.protocol}.` };
  }
  if (policy.httpsOnly && url.protocol !== "https:") {
    return { ok: false, reason: "Only https endpoint URLs are accepted." };
  }
  // `http://evil.com@127.0.0.1/` reads as evil.com to a person and as 127.0.0.1 to a parser.
  if (url.username !== "" || url.password !== "") {
    return { ok: false, reason: "The endpoint URL must not contain credentials (user:password@)." };
  }
  const reason = blockedHostReason(url.hostname, policy);
  return reason === undefined ? { ok: true, url } : { ok: false, reason: `${reason}; ${PUBLIC_ONLY}.` };
}

/** checkUrlSyntax, then DNS: every address the host resolves to must be allowed. */
export async function checkDestination(
  raw: string,
  policy: DestinationPolicy,
  resolve: Resolver = systemResolver,
): Promise<UrlVerdict> {
  const syntax = checkUrlSyntax(raw, policy);
  if (!syntax.ok) return syntax;
  const host = hostOf(syntax.url.hostname);
  if (isIP(host) !== 0) return syntax;
  let outcome: ResolvedDestination;
  try {
    outcome = await resolveDestination(host, policy, resolve);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = typeof code === "string" ? ` (${code})` : "";
    return { ok: false, reason: `The endpoint host ${host} could not be resolved${why}.` };
  }
  return outcome.ok ? syntax : { ok: false, reason: `${outcome.reason}; ${PUBLIC_ONLY}.` };
}

export type ResolvedDestination = { ok: true; addresses: ResolvedAddress[] } | { ok: false; reason: string };

/** Resolves a host (name or IP literal) and vets it and every answer; rejects only when the resolver
 * does. A name answering with one internal address among public ones is refused whole: picking the
 * public ones would let registration and delivery disagree about the same answer. */
export async function resolveDestination(
  hostname: string,
  policy: DestinationPolicy,
  resolve: Resolver,
): Promise<ResolvedDestination> {
  const host = hostOf(hostname);
  const refused = blockedHostReason(host, policy);
  if (refused !== undefined) return { ok: false, reason: refused };
  const family = isIP(host);
  if (family === 4 || family === 6) return { ok: true, addresses: [{ address: host, family }] };
  // The family comes from the address itself: a resolver's label is not evidence.
  const addresses = (await resolve(host)).map(
    ({ address }) => ({ address, family: isIP(address) === 6 ? 6 : 4 }) as const,
  );
  if (addresses.length === 0) return { ok: false, reason: `The endpoint host ${host} has no addresses` };
  if (allowListOf(policy).names.has(host)) return { ok: true, addresses };
  for (const { address } of addresses) {
    const what = describeAddress(address, policy);
    if (what !== undefined) {
      return { ok: false, reason: `The endpoint host ${host} resolves to ${address}, ${what}` };
    }
  }
  return { ok: true, addresses };
}

/** Why an address may not be a destination ("127.0.0.1 is a loopback address"), or undefined when
 * it may. Allow-listed CIDRs win over every rule. */
export function blockedAddressReason(ip: string, policy: DestinationPolicy): string | undefined {
  const what = describeAddress(ip, policy);
  return what === undefined ? undefined : `${ip} is ${what}`;
}

/** Allow-list entries that exempt nothing, each as a sentence (for config to refuse at start-up). */
export function allowListProblems(allow: readonly string[]): string[] {
  return compileAllowList(allow).problems;
}

// --- host names ---------------------------------------------------------------------------------

/** `[::1]` → `::1`; `LocalHost..` → `localhost`. */
function hostOf(hostname: string): string {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.+$/, "");
}

function blockedHostReason(hostname: string, policy: DestinationPolicy): string | undefined {
  const host = hostOf(hostname);
  if (isIP(host) !== 0) {
    const what = describeAddress(host, policy);
    return what === undefined ? undefined : `The endpoint host ${host} is ${what}`;
  }
  if (allowListOf(policy).names.has(host)) return undefined;
  const what = describeName(host);
  return what === undefined ? undefined : `The endpoint host ${host} is ${what}`;
}

function describeName(host: string): string | undefined {
  const labels = host.split(".");
  if (labels.some((label) => label === "")) return "not a valid host name";
  const tld = labels.at(-1);
  if (tld === "localhost") return "a name for this machine (.localhost, RFC 6761)";
  // `metadata`, `instance-data`, `redis`: resolved through the resolver's search domains, so they
  // name whatever the local network calls that; no public destination has a dotless name.
  if (labels.length === 1) return "a single-label name, which only a local network can resolve";
  if (tld === "internal") return "a private-use name (.internal), like the cloud metadata service's";
  if (tld === "local") return "a multicast DNS name (.local), which only a local network can resolve";
  if (tld === "localdomain") return "a local-domain name (.localdomain)";
  if (host.endsWith(".home.arpa")) return "a home-network name (.home.arpa, RFC 8375)";
  return undefined;
}

// --- addresses ----------------------------------------------------------------------------------

type Ip = { family: 4 | 6; value: bigint };
type Range = Ip & { bits: number; what: string };

const MASK32 = 0xffffffffn;
const v4 = (value: bigint): Ip => ({ family: 4, value });
const v4Text = (value: bigint) => [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 0xffn).join(".");

function parseIp(text: string): Ip | undefined {
  const bare = hostOf(text).split("%")[0] ?? "";
  const family = isIP(bare);
  if (family === 4) return v4(bare.split(".").reduce((acc, part) => (acc << 8n) | BigInt(part), 0n));
  if (family !== 6) return undefined;
  // isIP has vouched for the syntax: at most one "::", hex groups, an optional dotted tail.
  const groups = (part: string) =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [BigInt(`0x${group}`)];
          const quad = parseIp(group)?.value ?? 0n;
          return [quad >> 16n, quad & 0xffffn];
        });
  const [head = "", tail] = bare.split("::");
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<bigint>(8 - left.length - right.length).fill(0n), ...right];
  return { family: 6, value: all.reduce((acc, group) => (acc << 16n) | group, 0n) };
}

function parseRange(cidr: string, what = ""): Range | undefined {
  const [address = "", prefix, extra] = cidr.trim().split("/");
  const ip = parseIp(address);
  if (ip === undefined || extra !== undefined) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  const bits = prefix === undefined ? width : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  const shift = BigInt(width - bits);
  return { family: ip.family, value: (ip.value >> shift) << shift, bits, what };
}

function contains(range: Range, ip: Ip): boolean {
  const shift = BigInt((ip.family === 4 ? 32 : 128) - range.bits);
  return range.family === ip.family && ip.value >> shift === range.value >> shift;
}

const table = (family: 4 | 6, entries: Array<[string, string]>): Range[] =>
  entries.map(([cidr, what]) => {
    const range = parseRange(cidr, what);
    if (range?.family !== family) throw new Error(`bad built-in range ${cidr}`);
    return range;
  });

// First match wins, so the metadata services come before the ranges that hold them.
const METADATA = "a cloud metadata service address";
const DOCUMENTATION = "a documentation address, never a real host";
const BLOCKED_V4 = table(4, [
  ["169.254.169.254/32", METADATA], // AWS, GCP, Azure, OCI, DigitalOcean…
  ["169.254.170.2/32", METADATA], // AWS ECS task metadata
  ["169.254.170.23/32", METADATA], // AWS EKS pod identity
  ["100.100.100.200/32", METADATA], // Alibaba Cloud
  ["168.63.129.16/32", METADATA], // Azure WireServer: public-looking, answers only inside Azure
  ["0.0.0.0/8", 'an unspecified ("this network") address'],
  ["10.0.0.0/8", "a private address (RFC 1918)"],
  ["100.64.0.0/10", "a carrier-grade NAT address (RFC 6598)"],
  ["127.0.0.0/8", "a loopback address"],
  ["169.254.0.0/16", "a link-local address"],
  ["172.16.0.0/12", "a private address (RFC 1918)"],
  ["192.0.0.0/24", "an IETF protocol assignment address"],
  ["192.0.2.0/24", DOCUMENTATION],
  ["192.88.99.0/24", "a deprecated 6to4 relay address"],
  ["192.168.0.0/16", "a private address (RFC 1918)"],
  ["198.18.0.0/15", "a benchmarking address (RFC 2544)"],
  ["198.51.100.0/24", DOCUMENTATION],
  ["203.0.113.0/24", DOCUMENTATION],
  ["224.0.0.0/4", "a multicast address"],
  ["255.255.255.255/32", "the broadcast address"],
  ["240.0.0.0/4", "a reserved address (240.0.0.0/4)"],
]);
const BLOCKED_V6 = table(6, [
  ["fd00:ec2::254/128", METADATA], // AWS
  ["fd00:ec2::23/128", METADATA], // AWS EKS pod identity
  ["fd20:ce::254/128", METADATA], // GCP
  ["::/128", "the unspecified address"],
  ["::1/128", "a loopback address"],
  ["64:ff9b:1::/48", "a local-use NAT64 address (RFC 8215)"],
  ["100::/64", "a discard-only address (RFC 6666)"],
  ["2001:2::/48", "a benchmarking address (RFC 5180)"],
  ["2001:10::/28", "an ORCHID address, never a real host"],
  ["2001:20::/28", "an ORCHID address, never a real host"],
  ["2001:db8::/32", DOCUMENTATION],
  ["3fff::/20", DOCUMENTATION],
  ["5f00::/16", "a segment routing (SRv6) address"],
  ["fc00::/7", "a unique local address (fc00::/7), IPv6's private range"],
  ["fe80::/10", "a link-local address"],
  ["fec0::/10", "a deprecated site-local address"],
  ["ff00::/8", "a multicast address"],
]);
const GLOBAL_UNICAST = parseRange("2000::/3") as Range;

function describeAddress(ip: string, policy: DestinationPolicy): string | undefined {
  const parsed = parseIp(ip);
  if (parsed === undefined) return "not an IP address";
  // The kernel sends ::ffff:a.b.c.d to a.b.c.d over IPv4, so it is that address in every respect.
  const mapped =
    parsed.family === 6 && parsed.value >> 32n === 0xffffn ? v4(parsed.value & MASK32) : undefined;
  const allowed = allowListOf(policy).ranges;
  if (allowed.some((range) => contains(range, parsed) || (mapped && contains(range, mapped))))
    return undefined;
  if (mapped) return withEmbedded("an IPv4-mapped IPv6 address of", mapped.value);
  return parsed.family === 4 ? describeV4(parsed.value) : describeV6(parsed.value);
}

function describeV4(value: bigint): string | undefined {
  return BLOCKED_V4.find((range) => contains(range, v4(value)))?.what;
}

function withEmbedded(kind: string, embedded: bigint): string | undefined {
  const what = describeV4(embedded);
  return what === undefined ? undefined : `${kind} ${v4Text(embedded)}, ${what}`;
}

/** IPv6 forms that carry an IPv4 address are judged by that address too, so `64:ff9b::7f00:1` and
 * `2002:7f00:1::` are loopback in disguise; outside 2000::/3 nothing is a legitimate destination. */
function describeV6(value: bigint): string | undefined {
  const ip: Ip = { family: 6, value };
  const high96 = value >> 32n;
  if (value > 1n && high96 === 0n) {
    return (
      withEmbedded("an IPv4-compatible IPv6 address of", value) ?? "a deprecated IPv4-compatible address"
    );
  }
  if (high96 === 0xffff0000n) {
    const embedded = withEmbedded("an IPv4-translated IPv6 address of", value & MASK32);
    if (embedded !== undefined) return embedded;
  }
  if (high96 === 0x64ff9bn << 64n) return withEmbedded("a NAT64 address of", value & MASK32);
  if (value >> 112n === 0x2002n) {
    const embedded = withEmbedded("a 6to4 address of", (value >> 80n) & MASK32);
    if (embedded !== undefined) return embedded;
  }
  if (value >> 96n === 0x20010000n) {
    // Teredo: the relay server in bits 32–63, the client's address inverted in the last 32.
    const embedded =
      withEmbedded("a Teredo address whose server is", (value >> 64n) & MASK32) ??
      withEmbedded("a Teredo address whose client is", ~value & MASK32);
    if (embedded !== undefined) return embedded;
  }
  const listed = BLOCKED_V6.find((range) => contains(range, ip))?.what;
  if (listed !== undefined) return listed;
  return contains(GLOBAL_UNICAST, ip) ? undefined : "a reserved IPv6 address (outside 2000::/3)";
}

// --- the allow-list ------------------------------------------------------------------------------

type AllowList = { names: Set<string>; ranges: Range[]; problems: string[] };

const compiled = new WeakMap<readonly string[], AllowList>();

function allowListOf(policy: DestinationPolicy): AllowList {
  let list = compiled.get(policy.allow);
  if (list === undefined) {
    list = compileAllowList(policy.allow);
    compiled.set(policy.allow, list);
  }
  return list;
}

function compileAllowList(allow: readonly string[]): AllowList {
  const list: AllowList = { names: new Set(), ranges: [], problems: [] };
  for (const entry of allow) {
    const text = entry.trim();
    if (/^[\d.]+(\/|$)|:/.test(text)) {
      const range = parseRange(text);
      const minimum = range?.family === 4 ? 8 : 7;
      if (range === undefined) list.problems.push(`"${entry}" is neither a CIDR nor a host name.`);
      else if (range.bits < minimum) list.problems.push(`"${entry}" is broader than /${minimum}.`);
      else list.ranges.push(range);
      continue;
    }
    const name = hostOf(domainToASCII(text));
    if (name === "" || name.split(".").includes("")) list.problems.push(`"${entry}" is not a host name.`);
    else list.names.add(name);
  }
  return list;
}
