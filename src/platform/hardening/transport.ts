// HTTPS in production (OWASP ASVS 9.1.1): a request counts as secure when its connection is TLS,
// or when a trusted proxy (TRUSTED_PROXIES, Fastify's trustProxy) says X-Forwarded-Proto: https.
// Anyone else's X-Forwarded-Proto is ignored by Fastify's request.protocol.
//
// Plain HTTP is refused with 403 HTTPS_REQUIRED rather than redirected: the credentials of a
// plain-HTTP request have already crossed the network by the time we could redirect it, a
// redirect would teach clients that HTTP works, and building the https:// URL from the
// client-supplied Host header would make an open redirect. Redirecting is the proxy's job.
//
// The operations endpoints (/health, /ready, /metrics) answer plain HTTP from loopback and
// private-network peers (socket address, never X-Forwarded-For): load-balancer probes, container
// health checks and Prometheus talk to each instance directly on the private network.
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.ts';

export const httpsRequired = (): AppError => new AppError(403, 'HTTPS_REQUIRED', 'HTTPS required');

const OPERATIONS_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);
const PRIVATE_RANGES: ReadonlySet<string> = new Set(['loopback', 'private', 'uniqueLocal', 'linkLocal']);

/** Whether `address` (a socket's remoteAddress) is loopback, RFC 1918, ULA or link-local. */
export function isPrivatePeer(address: string | undefined): boolean {
  if (address === undefined || !ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return PRIVATE_RANGES.has(parsed.range());
}

/** Whether `address` is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Whether a plain-HTTP request may still be answered: an operations endpoint, from a private peer. */
export function mayUsePlainHttp(method: string, path: string, peer: string | undefined): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const query = path.indexOf('?');
  const bare = query === -1 ? path : path.slice(0, query);
  return OPERATIONS_PATHS.has(bare) && isPrivatePeer(peer);
}
