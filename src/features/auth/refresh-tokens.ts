// Refresh tokens: opaque to clients, `rt1.<tenant id>.<session id>.<secret>`. The secret is 256
// random bits (RFC 9700 §4.14; OWASP ASVS 3.2.2); the database keeps only SHA-256 of the whole
// token — a fast hash suffices for a random secret of that size. The tenant and session ids in
// clear let refresh find its session under row-level security without a cross-tenant lookup;
// they disclose nothing the holder's access token does not already say.
//
// Grace sealing: when a session rotates, its successor is kept for a few seconds sealed with
// AES-256-GCM under a key derived (HKDF-SHA256) from the parent token, so a second tab presenting
// the same parent can be handed the same successor while the database never holds a usable token.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { isUuid } from '../../platform/db/index.ts';

const PREFIX = 'rt1';
const SECRET_BYTES = 32;
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const SEAL_INFO = 'tradewise/refresh-grace/v1';

export interface RefreshTokenParts {
  tenantId: string;
  sessionId: string;
}

export function newRefreshToken(parts: RefreshTokenParts): string {
  return `${PREFIX}.${parts.tenantId}.${parts.sessionId}.${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** The ids a refresh token names, or null when it is not one of ours (nothing is trusted yet). */
export function parseRefreshToken(token: string): RefreshTokenParts | null {
  if (token.length > 200) return null;
  const [prefix, tenantId, sessionId, secret, extra] = token.split('.');
  if (prefix !== PREFIX || extra !== undefined || !isUuid(tenantId) || !isUuid(sessionId)) return null;
  if (secret === undefined || !SECRET.test(secret)) return null;
  return { tenantId: tenantId.toLowerCase(), sessionId: sessionId.toLowerCase() };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes (ASVS 2.9.x: no early exit on secrets). */
export function sameHash(a: string | null | undefined, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function sealKey(parent: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(parent, 'utf8'), Buffer.alloc(0), SEAL_INFO, 32));
}

/** `successor` sealed under `parent`, bound to the session id; base64url of iv | ciphertext | tag. */
export function sealSuccessor(parent: string, successor: string, sessionId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(parent), iv);
  cipher.setAAD(Buffer.from(sessionId, 'utf8'));
  const body = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The successor sealed under `parent`, or null when it does not open with that parent. */
export function openSuccessor(parent: string, sealed: string, sessionId: string): string | null {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 12 + 16 + 1) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(parent), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(sessionId, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}
