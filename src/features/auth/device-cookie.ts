// Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies", referenced by the
// Authentication Cheat Sheet): a browser or client that logged in to an account before carries a
// signed cookie naming that account, and a login presenting it is exempt from the slowdown that
// failures from elsewhere put on the account. An attacker, who has no such cookie, stays slowed;
// the owner does not wait for the attacker's guesses.
//
//   tw_device = v1.<nonce>.<mac>     nonce: 16 random bytes, mac: HMAC-SHA256 over "v1.<nonce>.<e-mail>"
//
// The e-mail (as login normalises it) is bound by the MAC but not written in the cookie. The MAC
// key is derived from each SECRET_KEY with its own HKDF purpose: the first signs, every listed key
// verifies, so a key rotation does not make owners strangers. Stateless: nothing is stored per
// cookie; the brute-force hooks count failures per nonce (a cookie used for guessing loses its
// exemption, as the OWASP scheme's lockout list does).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { hkdf } from '../../platform/crypto/key-ring.ts';
import { REFRESH_COOKIE_PATH } from './refresh-cookie.ts';

export const DEVICE_COOKIE = 'tw_device';
/** Sent only to the auth routes, where login reads it. */
export const DEVICE_COOKIE_PATH = REFRESH_COOKIE_PATH;
/** One year: an owner who logs in a few times a year keeps the exemption. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

const INFO = 'tradewise/device-cookie/v1';
const VERSION = 'v1';
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const MAC = /^[A-Za-z0-9_-]{43}$/;

export interface DeviceCookies {
  /** A new cookie value for the account with this (normalised) e-mail. */
  issue(email: string): string;
  /** The cookie's nonce when it was issued by us for this e-mail; otherwise undefined. */
  verify(value: string | undefined, email: string): string | undefined;
}

export function createDeviceCookies(secretKeys: readonly string[]): DeviceCookies {
  const keys = secretKeys.map((secret) => hkdf(Buffer.from(secret, 'utf8'), INFO, 32));
  const signingKey = keys[0];
  if (signingKey === undefined) throw new Error('device cookies need a SECRET_KEY');
  const mac = (key: Buffer, nonce: string, email: string) =>
    createHmac('sha256', key).update(`${VERSION}.${nonce}.${email}`, 'utf8').digest();

  return {
    issue(email) {
      const nonce = randomBytes(16).toString('base64url');
      return `${VERSION}.${nonce}.${mac(signingKey, nonce, email).toString('base64url')}`;
    },
    verify(value, email) {
      if (value === undefined || value.length > 80) return undefined;
      const [version, nonce, signature, ...rest] = value.split('.');
      if (version !== VERSION || rest.length > 0 || nonce === undefined || signature === undefined)
        return undefined;
      if (!NONCE.test(nonce) || !MAC.test(signature)) return undefined;
      const given = Buffer.from(signature, 'base64url');
      // Every key is tried (a handful at most), so the time spent does not tell which one matched.
      let valid = false;
      for (const key of keys) valid = timingSafeEqual(mac(key, nonce, email), given) || valid;
      return valid ? nonce : undefined;
    },
  };
}

export function deviceCookie(request: FastifyRequest): string | undefined {
  const value = request.cookies?.[DEVICE_COOKIE];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function setDeviceCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Config,
  value: string,
): void {
  reply.setCookie(DEVICE_COOKIE, value, {
    httpOnly: true,
    // Never over plain HTTP in production (config.production); over HTTPS in development too.
    secure: config.production || request.protocol === 'https',
    sameSite: 'strict',
    path: DEVICE_COOKIE_PATH,
    maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
  });
}
