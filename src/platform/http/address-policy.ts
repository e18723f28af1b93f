// Which IP addresses the platform may open an outbound connection to (SSRF defence, OWASP ASVS 5.0
// V1.3.6, OWASP SSRF Prevention Cheat Sheet). It is an allow-list: an address passes only if it
// is in none of the special-purpose ranges below (IANA IPv4/IPv6 Special-Purpose Address
// Registries, RFC 6890) AND ipaddr.js calls it plain `unicast` AND, for IPv6, it lies in the global
// unicast space 2000::/3 (RFC 4291 §2.4). So a range nobody listed here is refused, not allowed.
import ipaddr from 'ipaddr.js';

export type AddressFamily = 4 | 6;

export interface AddressVerdict {
  readonly allowed: boolean;
  /** `public`, `private_allowed:<class>` in debug mode, else the refused class, e.g. `loopback`. */
  readonly reason: string;
}

/** An address that passed the policy, in the exact form the socket must connect to. */
export interface VettedAddress {
  readonly address: string;
  readonly family: AddressFamily;
}

export interface AddressPolicyOptions {
  /** The service's DEBUG mode: private networks are reachable, cloud metadata never is. */
  readonly allowPrivateNetworks?: boolean;
}

const CLOUD_METADATA = 'cloud_metadata';

// Most specific first: the first match names the refusal in the log.
const V4_DENY: ReadonlyArray<readonly [string, string]> = [
  ['169.254.169.254/32', CLOUD_METADATA], // AWS, GCP, Azure, OCI instance metadata
  ['169.254.170.2/32', CLOUD_METADATA], // AWS ECS task metadata and credentials
  ['169.254.170.23/32', CLOUD_METADATA], // AWS EKS pod identity agent
  ['100.100.100.200/32', CLOUD_METADATA], // Alibaba Cloud metadata
  ['168.63.129.16/32', CLOUD_METADATA], // Azure WireServer: a public address that only reaches the host
  ['192.0.0.192/32', CLOUD_METADATA], // Oracle Cloud Classic metadata
  ['0.0.0.0/8', 'unspecified'], // RFC 791 "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0/8', 'private'], // RFC 1918
  ['100.64.0.0/10', 'shared'], // RFC 6598 carrier-grade NAT
  ['127.0.0.0/8', 'loopback'], // RFC 1122
  ['169.254.0.0/16', 'link_local'], // RFC 3927
  ['172.16.0.0/12', 'private'], // RFC 1918 (only /12: 172.217.0.1 is public)
  ['192.0.0.0/24', 'reserved'], // RFC 6890 IETF protocol assignments
  ['192.0.2.0/24', 'documentation'], // RFC 5737 TEST-NET-1
  ['192.31.196.0/24', 'reserved'], // RFC 7535 AS112
  ['192.52.193.0/24', 'reserved'], // RFC 7450 AMT
  ['192.88.99.0/24', 'reserved'], // RFC 7526 deprecated 6to4 relay anycast
  ['192.168.0.0/16', 'private'], // RFC 1918
  ['192.175.48.0/24', 'reserved'], // RFC 7534 AS112
  ['198.18.0.0/15', 'benchmarking'], // RFC 2544
  ['198.51.100.0/24', 'documentation'], // RFC 5737 TEST-NET-2
  ['203.0.113.0/24', 'documentation'], // RFC 5737 TEST-NET-3
  ['224.0.0.0/4', 'multicast'], // RFC 5771
  ['255.255.255.255/32', 'broadcast'], // RFC 919
  ['240.0.0.0/4', 'reserved'], // RFC 1112 class E
];

// IPv6 forms that carry an IPv4 address and are handled in `refuseV6` before this table:
// IPv4-mapped ::ffff:0:0/96 (RFC 4291 §2.5.5.2) and NAT64 64:ff9b::/96 (RFC 6052).
// The third element locates an embedded IPv4 address (index of its first 16-bit group, XOR mask),
// whose own class is added to the refusal for the log.
type EmbeddedV4 = readonly [at: number, mask: number];
const V6_DENY: ReadonlyArray<readonly [string, string, EmbeddedV4?]> = [
  ['fd00:ec2::254/128', CLOUD_METADATA], // AWS instance metadata over IPv6
  ['::/128', 'unspecified'], // RFC 4291 §2.5.2
  ['::1/128', 'loopback'], // RFC 4291 §2.5.3
  ['::ffff:0:0:0/96', 'ipv4_translated', [6, 0]], // RFC 2765 SIIT
  ['::/96', 'ipv4_compatible', [6, 0]], // RFC 4291 §2.5.5.1, deprecated
  ['64:ff9b:1::/48', 'nat64_local'], // RFC 8215 local-use NAT64: the translator is ours
  ['100::/64', 'discard'], // RFC 6666
  ['2001::/32', 'teredo', [6, 0xffff]], // RFC 4380: the client's address, bit-inverted
  ['2001:2::/48', 'benchmarking'], // RFC 5180
  ['2001:10::/28', 'orchid'], // RFC 4843, deprecated
  ['2001:20::/28', 'orchid'], // RFC 7343 ORCHIDv2
  ['2001::/23', 'reserved'], // RFC 2928 IETF protocol assignments
  ['2001:db8::/32', 'documentation'], // RFC 3849
  ['2002::/16', '6to4', [1, 0]], // RFC 3056, deprecated by RFC 7526: the relay's IPv4 address
  ['3fff::/20', 'documentation'], // RFC 9637
  ['5f00::/16', 'reserved'], // RFC 9602 segment routing SIDs
  ['fc00::/7', 'private'], // RFC 4193 unique local
  ['fe80::/10', 'link_local'], // RFC 4291 §2.5.6
  ['fec0::/10', 'site_local'], // RFC 3879, deprecated
  ['ff00::/8', 'multicast'], // RFC 4291 §2.7
];

type Cidr<T> = [T, number];
const v4Table = V4_DENY.map(([cidr, reason]) => [ipaddr.IPv4.parseCIDR(cidr), reason] as const);
const v6Table = V6_DENY.map(
  ([cidr, reason, embedded]) => [ipaddr.IPv6.parseCIDR(cidr), reason, embedded] as const,
);
const IPV4_MAPPED: Cidr<ipaddr.IPv6> = ipaddr.IPv6.parseCIDR('::ffff:0:0/96');
const NAT64_WELL_KNOWN: Cidr<ipaddr.IPv6> = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const GLOBAL_UNICAST: Cidr<ipaddr.IPv6> = ipaddr.IPv6.parseCIDR('2000::/3');
type Refusal = string | null;

function refuseV4(address: ipaddr.IPv4): Refusal {
  for (const [range, reason] of v4Table) if (address.match(range)) return reason;
  const range = address.range();
  return range === 'unicast' ? null : range;
}

function lowIPv4(parts: readonly number[], at: number, mask: number): ipaddr.IPv4 {
  const hi = (parts[at] ?? 0) ^ mask;
  const lo = (parts[at + 1] ?? 0) ^ mask;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/** The refusal of an IPv6 address, with the class of any IPv4 address it embeds, for the log. */
function refuseV6(address: ipaddr.IPv6): Refusal {
  // An IPv4-mapped address is an IPv4 address (the socket goes out over IPv4), and the NAT64
  // well-known prefix only ever translates to global IPv4 (RFC 6052 §3.1): both are judged by the
  // IPv4 address they carry, so DNS64 networks keep working and ::ffff:127.0.0.1 stays refused.
  if (address.match(IPV4_MAPPED) || address.match(NAT64_WELL_KNOWN)) {
    const inner = refuseV4(lowIPv4(address.parts, 6, 0));
    return inner === null ? null : `${address.match(IPV4_MAPPED) ? 'ipv4_mapped' : 'nat64'}:${inner}`;
  }
  for (const [range, reason, embedded] of v6Table) {
    if (!address.match(range)) continue;
    const inner = embedded ? refuseV4(lowIPv4(address.parts, embedded[0], embedded[1])) : null;
    return inner === null ? reason : `${reason}:${inner}`;
  }
  if (!address.match(GLOBAL_UNICAST)) return 'not_global_unicast';
  const range = address.range();
  return range === 'unicast' ? null : range;
}

/**
 * Reads an IPv6 address the way the WHATWG URL parser (and so every URL in this service) does,
 * then has ipaddr.js agree on it. ipaddr.js alone reads `::8.8.8.8` as `::ffff:8.8.8.8`, which is
 * another address: a disagreement between the two parsers refuses the address rather than guess.
 */
function parseV6(ip: string): ipaddr.IPv6 | null {
  if (!/^[0-9a-fA-F:.]+$/.test(ip)) return null;
  let canonical: string;
  try {
    canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1); // hex only, RFC 5952 compressed
  } catch {
    return null;
  }
  if (!ipaddr.IPv6.isValid(canonical)) return null;
  const parsed = ipaddr.IPv6.parse(canonical);
  return parsed.toRFC5952String() === canonical ? parsed : null;
}

/**
 * Parses only the canonical spellings a resolver or the WHATWG URL parser produce: dotted-quad
 * IPv4 without leading zeros, and IPv6 without a zone id. Anything else (127.1, 0x7f.0.0.1, …) is
 * refused rather than interpreted, so no second parser can read it differently.
 */
function parseCanonical(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ipaddr.IPv4.parse(ip);
  return ip.includes(':') ? parseV6(ip) : null;
}

type Vetting =
  | { readonly allowed: true; readonly reason: string; readonly target: VettedAddress }
  | { readonly allowed: false; readonly reason: string };

// What was classified is what is dialled: an IPv4-mapped address goes out as its IPv4 address.
function dialForm(address: ipaddr.IPv4 | ipaddr.IPv6): VettedAddress {
  if (address instanceof ipaddr.IPv4) return { address: address.toString(), family: 4 };
  if (address.match(IPV4_MAPPED)) return { address: lowIPv4(address.parts, 6, 0).toString(), family: 4 };
  return { address: address.toRFC5952String(), family: 6 };
}

/** Classifies `ip` and, when allowed, gives the address the socket must connect to. */
export function vetAddress(ip: string, opts: AddressPolicyOptions = {}): Vetting {
  const parsed = parseCanonical(ip);
  if (parsed === null) return { allowed: false, reason: ip.includes('%') ? 'zone_id' : 'invalid_address' };
  const refusal = parsed instanceof ipaddr.IPv4 ? refuseV4(parsed) : refuseV6(parsed);
  if (refusal === null) return { allowed: true, reason: 'public', target: dialForm(parsed) };
  if (opts.allowPrivateNetworks === true && debugOpens(refusal)) {
    return { allowed: true, reason: `private_allowed:${refusal}`, target: dialForm(parsed) };
  }
  return { allowed: false, reason: refusal };
}

/** Whether the platform may connect to `ip` (a literal address, not a host name). */
export function classifyAddress(ip: string, opts: AddressPolicyOptions = {}): AddressVerdict {
  const { allowed, reason } = vetAddress(ip, opts);
  return { allowed, reason };
}

/**
 * Whether the service's DEBUG mode opens an address refused for `refusal`: it opens private networks
 * to developers' local bots, never the metadata services that hand out cloud credentials, nor an
 * address that could not be read.
 */
export function debugOpens(refusal: string): boolean {
  return !refusal.includes(CLOUD_METADATA) && refusal !== 'invalid_address' && refusal !== 'zone_id';
}

// Each refused class in a user's words. The words name the class only, never the address: a host
// name's resolved address is the service's knowledge, not the user's (DNS rebinding reconnaissance).
const CLASS_WORDS: Readonly<Record<string, string>> = {
  [CLOUD_METADATA]: 'a cloud metadata address',
  loopback: 'a loopback address',
  private: 'a private network address',
  link_local: 'a link-local address',
  site_local: 'a site-local address',
  shared: 'a shared (carrier-grade NAT) address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  documentation: 'a documentation address',
  benchmarking: 'a benchmarking address',
  teredo: 'a Teredo tunnel address',
  '6to4': 'a 6to4 tunnel address',
  ipv4_compatible: 'an IPv4-compatible IPv6 address',
  ipv4_translated: 'an IPv4-translated IPv6 address',
  nat64_local: 'a local-use NAT64 address',
  invalid_address: 'an address that cannot be checked',
  zone_id: 'an address that cannot be checked',
};

/**
 * A refusal of `vetAddress` in a user's words: `loopback` is "a loopback address". An IPv4-mapped
 * or NAT64 address is what the IPv4 address it carries is (`ipv4_mapped:loopback` is loopback);
 * a class nobody named here is "a reserved, non-public address".
 */
export function describeAddressRefusal(refusal: string): string {
  if (refusal.includes(CLOUD_METADATA)) return CLASS_WORDS[CLOUD_METADATA] as string;
  const [outer = '', inner] = refusal.split(':');
  const decisive = (outer === 'ipv4_mapped' || outer === 'nat64') && inner !== undefined ? inner : outer;
  return CLASS_WORDS[decisive] ?? 'a reserved, non-public address';
}
