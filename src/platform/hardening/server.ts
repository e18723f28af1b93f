// The HTTP(S) server under Fastify: direct TLS from TLS_CERT_FILE/TLS_KEY_FILE, header-size and
// slow-client limits (slowloris: OWASP ASVS 13.1.x), and contract-shaped answers for what Node
// refuses before Fastify sees a request (oversized headers, unknown methods, CONNECT).
import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerOptions } from 'node:http';
import http, { STATUS_CODES } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { ErrorCode } from '../errors.ts';
import { PLATFORM_ERRORS } from '../errors.ts';
import { createCorsPolicy } from './cors.ts';
import { SECURITY_HEADER_LINES, SECURITY_HEADERS } from './security-headers.ts';

export interface ServerLimits {
  /** Request line + headers (Node's default is also 16 KiB); more is 431. */
  maxHeaderSize: number;
  /** Time a client has to send the request line and headers; more is 408. */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included; more is 408. */
  requestTimeoutMs: number;
  /** Idle time between keep-alive requests; above a load balancer's idle timeout (60 s in nginx). */
  keepAliveTimeoutMs: number;
  /** How often Node enforces the two timeouts above. */
  connectionsCheckingIntervalMs: number;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 72_000,
  connectionsCheckingIntervalMs: 2_000,
});

/** Direct TLS (config.ts makes sure both files or neither are set). TLS 1.2 is the floor. */
export function tlsOptions(config: Pick<Config, 'tlsCertFile' | 'tlsKeyFile'>): https.ServerOptions | null {
  if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) return null;
  return {
    cert: readFileSync(config.tlsCertFile),
    key: readFileSync(config.tlsKeyFile),
    minVersion: 'TLSv1.2',
  };
}

/** Builds Fastify's server: HTTPS when `tls` is given, plain HTTP otherwise, both with `limits`. */
export function createServerFactory(
  tls: https.ServerOptions | null,
  limits: ServerLimits = DEFAULT_SERVER_LIMITS,
) {
  return (handler: RequestListener): http.Server => {
    const options: ServerOptions = {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.connectionsCheckingIntervalMs,
    };
    const server: http.Server = tls
      ? https.createServer({ ...tls, ...options }, handler)
      : http.createServer(options, handler);
    // Without a listener Node drops CONNECT connections silently; answer them like other methods.
    server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
      writeRawError(socket, 501, 'NOT_IMPLEMENTED', 'Method not implemented');
    });
    return server;
  };
}

/** Writes a contract-shaped error with the security headers straight to a socket, then closes it. */
function writeRawError(socket: Duplex, status: number, code: ErrorCode, detail: string): void {
  if (socket.writable) {
    const body = JSON.stringify({ detail, code });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        SECURITY_HEADER_LINES +
        'connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}

const CLIENT_ERRORS: Record<string, [number, ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'Request header fields too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'Request timeout'],
  HPE_INVALID_METHOD: [501, 'NOT_IMPLEMENTED', 'Method not implemented'],
};

/**
 * Node's parser refuses some requests before Fastify routes them; answer those in the contract's
 * shape too (Fastify's default writes its own body).
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'BAD_REQUEST', 'Bad request'];
  writeRawError(socket, status, code, detail);
}

/**
 * Errors Fastify's router raises before any hook or the error handler is in place (malformed URL
 * encoding, an over-long path parameter): answer in the contract's shape, with the headers and
 * request id the hooks would have added.
 */
export function createFrameworkErrors(
  config: Pick<Config, 'corsOrigins'>,
): (error: Error, request: FastifyRequest, reply: FastifyReply) => void {
  // The CORS grant too: an allowed origin's script reads this refusal like any other.
  const cors = createCorsPolicy(config.corsOrigins);
  return (error, request, reply) => {
    const code = (error as { code?: string }).code;
    const detail = code === 'FST_ERR_BAD_URL' ? 'Malformed URL' : 'Bad request';
    reply.headers(SECURITY_HEADERS);
    cors.apply(request, reply);
    reply
      .header('x-request-id', request.id)
      .code(400)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ detail, code: PLATFORM_ERRORS.BAD_REQUEST.code }));
  };
}
