// The console's refresh token lives in an HttpOnly cookie (script cannot read it: OWASP ASVS 3.4.x),
// scoped to the auth routes. Because a browser sends cookies by itself, a request authenticated by
// that cookie must also prove it comes from our own pages (OWASP CSRF Cheat Sheet):
//   - double submit: header X-CSRF-Token equal to the readable tw_csrf cookie (constant-time), and
//   - an allowed Origin (or, without Origin, Referer): CORS_ORIGINS or the request's own origin.
// SameSite=Strict on both cookies is a third, browser-side layer. Bearer-token requests need none
// of this: a browser never attaches an Authorization header on its own.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import { csrfCheckFailed } from './auth.errors.ts';

export const REFRESH_COOKIE = 'tw_refresh';
export const CSRF_COOKIE = 'tw_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

function secure(request: FastifyRequest, config: Config): boolean {
  return config.production || request.protocol === 'https';
}

export function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Config,
  refreshToken: string,
  expiresAt: Date,
): void {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  const common = { secure: secure(request, config), sameSite: 'strict' as const, maxAge };
  reply.setCookie(REFRESH_COOKIE, refreshToken, { ...common, httpOnly: true, path: REFRESH_COOKIE_PATH });
  // Readable by the console's script, which echoes it in X-CSRF-Token.
  reply.setCookie(CSRF_COOKIE, randomBytes(32).toString('base64url'), {
    ...common,
    httpOnly: false,
    path: '/',
  });
}

export function clearSessionCookies(request: FastifyRequest, reply: FastifyReply, config: Config): void {
  const common = { secure: secure(request, config), sameSite: 'strict' as const };
  reply.clearCookie(REFRESH_COOKIE, { ...common, httpOnly: true, path: REFRESH_COOKIE_PATH });
  reply.clearCookie(CSRF_COOKIE, { ...common, path: '/' });
}

export function refreshCookie(request: FastifyRequest): string | undefined {
  const value = request.cookies?.[REFRESH_COOKIE];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function requestOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function allowedOrigin(request: FastifyRequest, config: Config): boolean {
  const origin = requestOrigin(request);
  const ownOrigin = `${request.protocol}://${request.host}`;
  return origin !== undefined && (origin === ownOrigin || config.corsOrigins.includes(origin));
}

/**
 * Refuses (403 + security event) a cookie-authenticated request without CSRF proof. With
 * `originOnly`, for a login that asks for cookies (no CSRF token exists yet): a cross-site form must
 * not be able to plant an attacker's session in the victim's browser (login CSRF).
 */
export async function requireCsrfProof(
  request: FastifyRequest,
  config: Config,
  securityEvents: SecurityEventRecorder,
  options: { originOnly?: boolean } = {},
): Promise<void> {
  const header = request.headers[CSRF_HEADER];
  const cookie = request.cookies?.[CSRF_COOKIE];
  const originOk = allowedOrigin(request, config);
  const tokenOk =
    options.originOnly === true ||
    (typeof header === 'string' &&
      typeof cookie === 'string' &&
      cookie.length >= 16 &&
      sameSecret(header, cookie));
  if (originOk && tokenOk) return;
  await securityEvents.record({
    type: 'unauthorized_access_attempt',
    description: 'Cookie-authenticated request without CSRF proof',
    ip: request.ip,
    ...requestIds(request),
    details: { route: request.routeOptions.url, origin_ok: originOk, csrf_token_ok: tokenOk },
  });
  throw csrfCheckFailed();
}
