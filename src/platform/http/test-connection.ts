// The bot connection test: `GET url` with the bot's bearer token, bounded in time and size,
// redirects followed by hand with every hop checked like the first (OWASP ASVS 5.0 V1.3.6).
// Only the status code, the latency and a fixed failure category come back: never the remote
// body, headers or error text, so the endpoint cannot be used to read internal pages. The URL the
// caller gave is theirs to correct, so its refusal is thrown; a refused redirect hop is the remote
// side's doing, so it is an outcome of the test (`redirect_refused`), reported with the reason.
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { errors } from 'undici';
import type { OutboundFailure, RefusalReason } from './errors.ts';
import { OutboundFailedError, OutboundRefusedError } from './errors.ts';
import type { DialHook } from './pinned-client.ts';
import { createPinnedClient } from './pinned-client.ts';
import type { Resolver, VettedTarget } from './url-policy.ts';
import { checkUrl } from './url-policy.ts';

export interface TestConnectionOptions {
  readonly resolver?: Resolver;
  /** The service's DEBUG mode (see `classifyAddress`). */
  readonly allowPrivateNetworks?: boolean;
  readonly connectTimeoutMs?: number;
  /** The whole test: every resolution, connection, redirect and the body read. */
  readonly totalTimeoutMs?: number;
  /** Bytes of response body read before the test stops with `response_too_large`. */
  readonly maxBytes?: number;
  readonly maxRedirects?: number;
  /** Test seam only (see `DialHook`). */
  readonly dial?: DialHook;
}

export interface ConnectionTestResult {
  readonly ok: boolean;
  readonly status_code: number | null;
  readonly latency_ms: number;
  readonly error?: OutboundFailure;
  /**
   * With `error: 'redirect_refused'`: why the hop was refused (`redirect:literal:loopback`), for the
   * security event and for words the caller chooses; never the hop's URL or resolved address.
   */
  readonly refusal?: RefusalReason;
}

export const OUTBOUND_DEFAULTS = Object.freeze({
  connectTimeoutMs: 3_000,
  totalTimeoutMs: 5_000,
  maxBytes: 64 * 1024,
  maxRedirects: 3,
});

// RFC 9110 §15.4: the redirects that carry a Location to follow.
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// RFC 6750 §2.1 b64token is a subset of this; anything else could split or smuggle a header.
const BEARER_TOKEN = /^[\x21-\x7e]+$/;

function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  return value;
}

// TLS failures from Node/OpenSSL (certificate, handshake, protocol) by their error codes.
const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|EPROTO$)|CERT/;

function failureOf(error: unknown): OutboundFailure {
  if (error instanceof OutboundFailedError) return error.failure;
  if (error instanceof errors.ConnectTimeoutError) return 'connect_timeout';
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return 'timeout';
  }
  if (error instanceof errors.HeadersOverflowError) return 'response_too_large';
  if (error instanceof errors.HTTPParserError || error instanceof errors.ResponseContentLengthMismatchError) {
    return 'invalid_response';
  }
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return TLS_ERROR_CODE.test(code) ? 'tls_error' : 'connection_failed';
}

interface Limits {
  readonly connectTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly maxBytes: number;
  readonly dial?: DialHook;
}

interface HopOutcome {
  readonly statusCode: number;
  readonly location?: string;
  readonly failure?: OutboundFailure;
}

/** Reads and discards the body up to `maxBytes`: nothing of it is kept or returned. */
async function drainBounded(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<boolean> {
  let received = 0;
  for await (const chunk of body) {
    received += (chunk as Buffer).length;
    if (received > maxBytes) return false; // leaving the loop destroys the stream
  }
  return true;
}

async function requestHop(
  target: VettedTarget,
  headers: Record<string, string>,
  limits: Limits,
  signal: AbortSignal,
): Promise<HopOutcome> {
  const client = createPinnedClient(target, {
    connectTimeoutMs: limits.connectTimeoutMs,
    idleTimeoutMs: limits.totalTimeoutMs,
    dial: limits.dial,
  });
  try {
    const response = await client.request({
      method: 'GET',
      path: `${target.url.pathname}${target.url.search}`,
      headers,
      signal,
    });
    const { statusCode, body } = response;
    // The body is only ever discarded; its errors (abort, reset) are reported through the
    // iterator below or not at all, never as an unhandled 'error' event.
    body.on('error', () => undefined);
    const { location } = response.headers;
    if (REDIRECT_STATUSES.has(statusCode) && location !== undefined) {
      body.destroy();
      return typeof location === 'string'
        ? { statusCode, location }
        : { statusCode, failure: 'invalid_response' };
    }
    if (Number(response.headers['content-length'] ?? 0) > limits.maxBytes) {
      body.destroy();
      return { statusCode, failure: 'response_too_large' };
    }
    try {
      return (await drainBounded(body, limits.maxBytes))
        ? { statusCode }
        : { statusCode, failure: 'response_too_large' };
    } catch (error) {
      // The status arrived before the failure: report both (a slow-drip body ends in `timeout`).
      return { statusCode, failure: signal.aborted ? 'timeout' : failureOf(error) };
    }
  } finally {
    await client.destroy().catch(() => undefined);
  }
}

/**
 * Calls `GET url` with `Authorization: Bearer <token>`. Resolves with the outcome of a reachable
 * URL (`ok` for 2xx), a refused redirect hop included (`redirect_refused`, with its `refusal`);
 * throws `OutboundRefusedError` when the URL itself is refused.
 */
export async function testConnection(
  url: string,
  token: string,
  opts: TestConnectionOptions = {},
): Promise<ConnectionTestResult> {
  // Fixed message: the token must never appear in an error or a log line.
  if (typeof token !== 'string' || !BEARER_TOKEN.test(token)) throw new TypeError('invalid bearer token');
  const limits: Limits = {
    connectTimeoutMs: positiveInteger(
      'connectTimeoutMs',
      opts.connectTimeoutMs,
      OUTBOUND_DEFAULTS.connectTimeoutMs,
    ),
    totalTimeoutMs: positiveInteger('totalTimeoutMs', opts.totalTimeoutMs, OUTBOUND_DEFAULTS.totalTimeoutMs),
    maxBytes: positiveInteger('maxBytes', opts.maxBytes, OUTBOUND_DEFAULTS.maxBytes),
    dial: opts.dial,
  };
  const maxRedirects = positiveInteger('maxRedirects', opts.maxRedirects, OUTBOUND_DEFAULTS.maxRedirects, 0);
  const policy = { resolver: opts.resolver, allowPrivateNetworks: opts.allowPrivateNetworks === true };

  const started = performance.now();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), limits.totalTimeoutMs);
  let statusCode: number | null = null;
  const finish = (error?: OutboundFailure): ConnectionTestResult => ({
    ok: error === undefined && statusCode !== null && statusCode >= 200 && statusCode < 300,
    status_code: statusCode,
    latency_ms: Math.round(performance.now() - started),
    ...(error === undefined ? {} : { error }),
  });
  // Nothing was sent to the refused hop: the status is the redirect's that pointed there.
  const refusedHop = (reason: RefusalReason): ConnectionTestResult => ({
    ...finish('redirect_refused'),
    refusal: `redirect:${reason}`,
  });

  try {
    let current = url;
    let firstOrigin: string | undefined;
    let sendToken = true;
    for (let hop = 0; ; hop++) {
      let target: VettedTarget;
      try {
        target = await checkUrl(current, { ...policy, signal: deadline.signal });
      } catch (error) {
        if (hop > 0 && error instanceof OutboundRefusedError) return refusedHop(error.reason);
        throw error;
      }
      firstOrigin ??= target.url.origin;
      // Like browsers (Fetch §4.4 HTTP-redirect fetch), the credential goes to the origin it was
      // given for only; once a redirect leaves that origin it is not sent again.
      if (target.url.origin !== firstOrigin) sendToken = false;
      const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'TradeWise-ConnectionTest/1' };
      if (sendToken) headers.authorization = `Bearer ${token}`;

      const outcome = await requestHop(target, headers, limits, deadline.signal);
      statusCode = outcome.statusCode;
      if (outcome.location === undefined) return finish(outcome.failure);
      if (hop >= maxRedirects) return finish('too_many_redirects');
      try {
        current = new URL(outcome.location, target.url).href;
      } catch {
        return refusedHop('invalid_url');
      }
    }
  } catch (error) {
    if (error instanceof OutboundRefusedError) throw error;
    return finish(deadline.signal.aborted ? 'timeout' : failureOf(error));
  } finally {
    clearTimeout(timer);
  }
}
