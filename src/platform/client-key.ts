// The key a client address is limited and blocked by. IPv4 addresses count as themselves (an
// IPv4-mapped IPv6 address is the IPv4 address it carries). An IPv6 client usually holds a whole
// /64, so counting single IPv6 addresses would let it rotate through 2^64 of them: IPv6 counts
// per /64 prefix.
import ipaddr from 'ipaddr.js';

export function clientKey(ip: string): string {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(ip.replace(/%.*$/, ''));
  } catch {
    return ip;
  }
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}

/** Whether `value` is an address or a /64 key as clientKey produces them. */
export function isClientKey(value: string): boolean {
  if (value.endsWith('::/64')) return ipaddr.isValid(value.slice(0, -3));
  return ipaddr.isValid(value);
}
