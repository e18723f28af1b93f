// Reader for the original Python service's encrypted values, so existing bot tokens carry over until
// the rotation command re-encrypts them. Fernet spec (github.com/fernet/spec, Spec.md):
//   token = 0x80 | timestamp (8, big-endian) | IV (16) | AES-128-CBC(PKCS#7) ciphertext | HMAC-SHA256 (32)
//   key   = signing key (16) | encryption key (16); the HMAC covers everything before it.
// The seed stored `base64.b64encode(fernet.encrypt(...))`: the urlsafe token, base64-encoded once more.
// Read-only on purpose: nothing new is ever written in this format. No TTL, as in the seed.
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { decodeCanonical } from './base64.ts';

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16;
const MAC_BYTES = 32;
const BLOCK_BYTES = 16;

/**
 * The Fernet token bytes inside a stored legacy value, either the seed's double encoding or a bare
 * token; undefined when the value is neither.
 */
export function legacyTokenBytes(value: string): Buffer | undefined {
  const bare = decodeCanonical(value, 'base64url');
  if (bare !== undefined && bare[0] === VERSION) return bare;
  const outer = decodeCanonical(value, 'base64');
  if (outer === undefined) return undefined;
  const inner = decodeCanonical(outer.toString('latin1'), 'base64url');
  return inner !== undefined && inner[0] === VERSION ? inner : undefined;
}

/** Verifies and decrypts one Fernet token with one 32-byte key; undefined on any failure. */
export function fernetDecrypt(token: Buffer, key: Buffer): Buffer | undefined {
  const ciphertextBytes = token.length - HEADER_BYTES - MAC_BYTES;
  if (key.length !== 32 || token[0] !== VERSION) return undefined;
  if (ciphertextBytes < BLOCK_BYTES || ciphertextBytes % BLOCK_BYTES !== 0) return undefined;
  const signed = token.subarray(0, token.length - MAC_BYTES);
  const mac = token.subarray(token.length - MAC_BYTES);
  const expected = createHmac('sha256', key.subarray(0, 16)).update(signed).digest();
  // Constant-time comparison, and the MAC is checked before any decryption (encrypt-then-MAC).
  if (!timingSafeEqual(expected, mac)) return undefined;
  const iv = token.subarray(1 + 8, HEADER_BYTES);
  try {
    const decipher = createDecipheriv('aes-128-cbc', key.subarray(16), iv);
    return Buffer.concat([decipher.update(signed.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
