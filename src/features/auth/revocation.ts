// Where revocation state lives in the state store, and when a token counts as issued. Keys expire
// with what they revoke: a jti entry lives until that token's own expiry, a user's "revoked before"
// mark until every token issued before it has expired; an "inactive" mark lives while the user is
// deactivated.
//
// Same-second ordering: `iat` has whole seconds, so a token issued just before a logout-all and one
// issued just after it can share an `iat`. Access-token ids are UUIDv7 (RFC 9562 §5.7), whose first
// 48 bits are the issue time in milliseconds; a token is refused when that time is at or before
// the mark. A jti that is not a UUIDv7 of the same second as `iat` (tokens of the original Python
// service) counts as issued at the start of its `iat` second — the earliest it can have been — so
// uncertainty always falls on the side of refusing.

//
// Key names: the mirrored prefix first (the local mirror selects keys by it), then a Redis Cluster
// hash tag, so that a user's keys share one slot and a request's checks touch as few nodes as
// possible. A jti key carries no user (a token_revocations jti row has none, and the keys must be
// rebuilt from those rows), so its slot is its own.

/** Prefix of the revocation keys (a jti's, a user's "revoked before" mark), mirrored by the store. */
export const REVOKED_PREFIX = 'revoked:';
/** Prefix of the "inactive user" keys, mirrored by the store. */
export const INACTIVE_PREFIX = 'inactive:';

/** The hash tag of a user's keys (also used by the throttle and usage keys). */
export const userTag = (userId: string) => `{u:${userId}}`;

export function revocationKeys(userId: string) {
  return {
    /** Present while the access token with this jti must be refused. */
    jti: (jti: string) => `${REVOKED_PREFIX}jti:${jti}`,
    /** Milliseconds since the epoch; tokens issued at or before it are refused. */
    revokedBefore: `${REVOKED_PREFIX}user:${userTag(userId)}`,
    /** Present while the user is deactivated: their valid tokens get "400 Inactive user". */
    inactive: `${INACTIVE_PREFIX}user:${userTag(userId)}`,
  };
}

const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The issue time of a token in milliseconds, as precisely as its claims allow (see above). */
export function issuedAtMs(claims: { iat: number; jti: string }): number {
  const match = UUID_V7.exec(claims.jti);
  if (match !== null) {
    const ms = Number.parseInt(`${match[1]}${match[2]}`, 16);
    if (Math.floor(ms / 1000) === claims.iat) return ms;
  }
  return claims.iat * 1000;
}

/** Whether a token issued at `issuedMs` falls under a user's "revoked before" mark (stored as text). */
export function revokedByMark(issuedMs: number, mark: string | null | undefined): boolean {
  if (typeof mark !== 'string') return false;
  const markMs = Number(mark);
  return Number.isFinite(markMs) && issuedMs <= markMs;
}

/**
 * A UUIDv7 (RFC 9562 §5.7) for `ms`: 48-bit Unix milliseconds, version 7, 74 random bits. Used as
 * the access token's jti so that the token records its issue time to the millisecond.
 */
export function uuidV7(ms: number, random: Buffer): string {
  if (random.length < 10) throw new RangeError('uuidV7 needs 10 random bytes');
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(ms, 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
