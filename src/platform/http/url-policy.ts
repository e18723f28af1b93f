// Which URLs the platform may call: the scheme, the authority and every address the host resolves
// to are checked once, and the result pins the address the socket will connect to, so that a
// second DNS answer cannot redirect the connection (DNS rebinding; OWASP SSRF Prevention Cheat Sheet).
import { promises as dnsPromises } from 'node:dns';
import type { AddressFamily, VettedAddress } from './address-policy.ts';
import { vetAddress } from './address-policy.ts';
import { OutboundFailedError, OutboundRefusedError } from './errors.ts';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: AddressFamily;
}

/** Resolves a host name to all of its addresses. Injected in tests; never consulted for IP literals. */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<ResolvedAddress>>;

export interface UrlPolicyOptions {
  readonly resolver?: Resolver;
  /** The service's DEBUG mode: private and loopback hosts are allowed (cloud metadata never is). */
  readonly allowPrivateNetworks?: boolean;
  /** Aborts a resolution that hangs; the caller's total deadline. */
  readonly signal?: AbortSignal;
}

/** A URL that passed the policy, with the one address the connection must go to. */
export interface VettedTarget {
  readonly url: URL;
  /** The host without IPv6 brackets: the TLS server name and certificate identity when not an IP. */
  readonly hostname: string;
  readonly port: number;
  /** The vetted address to connect to: the first one the resolver returned. */
  readonly address: VettedAddress;
  /** Every address the host resolved to; each one passed the policy. */
  readonly resolved: ReadonlyArray<VettedAddress>;
}

const MAX_URL_LENGTH = 2048;

/** The system resolver: every address, in the order the system gives them (no IPv4-first sort). */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await dnsPromises.lookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

// RFC 6761 §6.3: these names are loopback by definition; refuse them without asking DNS.
function isLocalhostName(hostname: string): boolean {
  const name = hostname.replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

async function resolveWithin(resolver: Resolver, hostname: string, signal?: AbortSignal) {
  if (signal?.aborted) throw new OutboundFailedError('timeout');
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new OutboundFailedError('timeout'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const answers = await Promise.race([resolver(hostname), aborted]);
    if (!Array.isArray(answers) || answers.length === 0) throw new OutboundFailedError('dns_failed');
    return answers as ReadonlyArray<ResolvedAddress>;
  } catch (error) {
    if (error instanceof OutboundFailedError) throw error;
    throw new OutboundFailedError('dns_failed');
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

function vetOrRefuse(ip: string, allowPrivateNetworks: boolean, context: string): VettedAddress {
  const vetting = vetAddress(ip, { allowPrivateNetworks });
  if (!vetting.allowed) throw new OutboundRefusedError(`${context}:${vetting.reason}`);
  return vetting.target;
}

/**
 * Checks `input` and resolves its host once. Throws `OutboundRefusedError` when the URL must not
 * be called, `OutboundFailedError('dns_failed' | 'timeout')` when the host cannot be resolved.
 */
export async function checkUrl(input: string, opts: UrlPolicyOptions = {}): Promise<VettedTarget> {
  const allowPrivate = opts.allowPrivateNetworks === true;
  if (typeof input !== 'string' || input.length > MAX_URL_LENGTH) {
    throw new OutboundRefusedError('invalid_url');
  }
  let url: URL;
  try {
    // The WHATWG parser is the only one that reads the URL: it canonicalises decimal, octal, hex and
    // short IPv4 forms, percent-encoding and full-width digits (UTS #46), and rejects zone ids.
    url = new URL(input);
  } catch {
    throw new OutboundRefusedError('invalid_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefusedError('scheme');
  // Credentials in the URL would be sent to the bot and logged with the URL (RFC 3986 §3.2.1).
  if (url.username !== '' || url.password !== '') throw new OutboundRefusedError('userinfo');

  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const literal = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const isIpLiteral = url.hostname.startsWith('[') || /^[0-9.]+$/.test(literal);

  let resolved: VettedAddress[];
  if (isIpLiteral) {
    resolved = [vetOrRefuse(literal, allowPrivate, 'literal')];
  } else {
    if (!allowPrivate && isLocalhostName(literal)) throw new OutboundRefusedError('name:localhost');
    const answers = await resolveWithin(opts.resolver ?? systemResolver, literal, opts.signal);
    // Every answer is checked, not only the one used: a name with one public and one private
    // address is refused, since another client (or a retry) could be sent to the private one.
    resolved = answers.map((answer) => vetOrRefuse(String(answer?.address), allowPrivate, 'resolved'));
  }
  const [address] = resolved;
  if (address === undefined) throw new OutboundFailedError('dns_failed');
  return Object.freeze({ url, hostname: literal, port, address, resolved: Object.freeze(resolved) });
}
