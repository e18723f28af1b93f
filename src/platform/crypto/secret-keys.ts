// SECRET_KEY: the HS256 access-token keys. Each entry is used as the raw string, as the original
// service did, so its tokens stay valid across the migration; the first signs, all verify.
import { randomBytes } from 'node:crypto';
import { KeyConfigurationError } from './errors.ts';
import { hkdf } from './key-ring.ts';

const VARIABLE = 'SECRET_KEY';

export interface SigningKey {
  /** Goes in the JWT header (RFC 7515 §4.1.4) so verification picks the key instead of trying each. */
  readonly kid: string;
  readonly secret: string;
}

/** Splits SECRET_KEY on commas (or takes config's list), trimming and skipping empty entries. */
export function parseSecretKeys(value: string | readonly string[]): string[] {
  const keys = (typeof value === 'string' ? value.split(',') : value)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (keys.length === 0) throw new KeyConfigurationError(VARIABLE, 'no key given');
  const duplicate = keys.findIndex((key, i) => keys.indexOf(key) !== i);
  if (duplicate !== -1)
    throw new KeyConfigurationError(VARIABLE, `key ${duplicate + 1} repeats an earlier key`);
  return keys;
}

/**
 * A stable public id for a signing key: 16 hex of HKDF-SHA256(key, 'tradewise/jwt-kid/v1'). It tells
 * nothing about the key that a token signed with it does not already (both allow the same offline guessing).
 */
export function secretKeyId(secret: string): string {
  return hkdf(Buffer.from(secret, 'utf8'), 'tradewise/jwt-kid/v1', 8).toString('hex');
}

/** parseSecretKeys with each key's id: the first entry signs. */
export function parseSigningKeys(value: string | readonly string[]): SigningKey[] {
  return parseSecretKeys(value).map((secret) => ({ kid: secretKeyId(secret), secret }));
}

/** A fresh SECRET_KEY entry: 48 random bytes, base64url (64 characters, well over the 32-byte minimum). */
export function generateSecretKey(): string {
  return randomBytes(48).toString('base64url');
}
