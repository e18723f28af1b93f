// Where revocation state lives in the state store. Keys expire with what they revoke: a jti
// entry lives until that token's own expiry, a user's "revoked before" mark until every token
// issued before it has expired.

export function revocationKeys(userId: string) {
  return {
    /** Present while the access token with this jti must be refused. */
    jti: (jti: string) => `revoked:jti:${jti}`,
    /** Milliseconds since the epoch; tokens issued before it are refused. */
    revokedBefore: `revoked:user:${userId}`,
    /** Present while the user is deactivated: their valid tokens get "400 Inactive user". */
    inactive: `inactive:user:${userId}`,
  };
}
