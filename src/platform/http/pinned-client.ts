// An undici client bound to one vetted target: its connector opens the socket to the address that
// was classified (no second DNS lookup, so DNS rebinding cannot move it), while the Host header,
// the TLS server name (SNI, RFC 6066 §3) and the certificate check still use the URL's host name.
import { isIP } from 'node:net';
import { buildConnector, Client } from 'undici';
import type { VettedTarget } from './url-policy.ts';

/** Where a socket is opened: an IP address, never a name. */
export interface DialTarget {
  readonly address: string;
  readonly port: number;
}

/**
 * Test seam: maps the vetted address to the one the socket actually opens, so that tests can send
 * a public-looking target to a loopback fake bot. Production code never sets it.
 */
export type DialHook = (target: DialTarget & { readonly hostname: string }) => DialTarget;

export interface PinnedClientOptions {
  readonly connectTimeoutMs: number;
  /** Bounds the headers and body phases as a backstop; the caller's deadline aborts sooner. */
  readonly idleTimeoutMs: number;
  readonly dial?: DialHook;
}

const MAX_HEADER_BYTES = 16 * 1024;

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

export function createPinnedClient(target: VettedTarget, opts: PinnedClientOptions): Client {
  const base = buildConnector({ timeout: opts.connectTimeoutMs, maxCachedSessions: 0 });
  // SNI carries a host name only, without the trailing dot (RFC 6066 §3); none for an IP literal.
  const servername = isIP(target.hostname) !== 0 ? undefined : target.hostname.replace(/\.$/, '');

  const connect: buildConnector.connector = (options, callback) => {
    const port = options.port === '' ? defaultPort(options.protocol) : Number(options.port);
    // The client exists for this one target; anything else reaching the connector is a bug.
    if (
      options.protocol !== target.url.protocol ||
      options.hostname !== target.hostname ||
      port !== target.port
    ) {
      callback(new Error('pinned connector used for another origin'), null);
      return;
    }
    let dial: DialTarget = { address: target.address.address, port: target.port };
    try {
      if (opts.dial) dial = opts.dial({ ...dial, hostname: target.hostname });
    } catch (error) {
      callback(error instanceof Error ? error : new Error('dial hook failed'), null);
      return;
    }
    base({ ...options, hostname: dial.address, port: String(dial.port), servername }, callback);
  };

  return new Client(target.url.origin, {
    connect,
    headersTimeout: opts.idleTimeoutMs,
    bodyTimeout: opts.idleTimeoutMs,
    maxHeaderSize: MAX_HEADER_BYTES,
    pipelining: 1,
  });
}
