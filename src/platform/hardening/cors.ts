// Cross-origin access as the seed's CORSMiddleware configures it: the configured origins only,
// credentials allowed, X-Request-ID and the rate-limit fields exposed (a browser client must be
// able to read a 429's or a blocked IP's Retry-After). An origin that is not listed gets no CORS header at
// all, so the browser withholds every answer from its scripts (Fetch §3.2, CORS check).
// Written by hand rather than with @fastify/cors, which also sends credentials and exposed-header
// grants to refused origins and answers a bare OPTIONS with a text/plain 400.
import type { FastifyReply, FastifyRequest } from 'fastify';

export const CORS_METHODS = 'GET, POST, PUT, DELETE, PATCH';
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, X-Request-ID, X-CSRF-Token';
export const CORS_EXPOSED_HEADERS = 'X-Request-ID, Retry-After, RateLimit, RateLimit-Policy';
/** How long a browser may cache a preflight answer (seconds); Chromium caps it at 7200. */
export const CORS_MAX_AGE_SECONDS = '600';

export interface CorsPolicy {
  /**
   * Adds the grant headers when the request's Origin is allowed. Returns true when the request
   * is a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method), which the caller
   * answers with 204 whatever the origin: a refused origin simply finds no grant in it.
   */
  apply(request: FastifyRequest, reply: FastifyReply): boolean;
}

export function createCorsPolicy(origins: readonly string[]): CorsPolicy {
  // Exact string comparison: no wildcards, no suffix matching ("evil-tradewise.com"), and "null"
  // (sandboxed frames, file: pages) is never allowed unless someone configures it literally.
  const allowed = new Set(origins);
  return {
    apply(request, reply) {
      const origin = request.headers.origin;
      if (origin === undefined) return false;
      const preflight =
        request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
      if (!allowed.has(origin)) return preflight;
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      if (preflight) {
        reply.header('access-control-allow-methods', CORS_METHODS);
        reply.header('access-control-allow-headers', CORS_ALLOWED_HEADERS);
        reply.header('access-control-max-age', CORS_MAX_AGE_SECONDS);
      } else {
        reply.header('access-control-expose-headers', CORS_EXPOSED_HEADERS);
      }
      return preflight;
    },
  };
}
