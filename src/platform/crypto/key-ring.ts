// The data-encryption keys from ENCRYPTION_KEY: the first encrypts, all decrypt (rotation).
// Key material stays inside this module: the ring hands out derived keys and key ids only, and prints
// as its key ids, so logging a config object or a ring cannot leak a key.
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { decodeCanonical } from './base64.ts';
import { KeyConfigurationError } from './errors.ts';

const VARIABLE = 'ENCRYPTION_KEY';
const KEY_BYTES = 32;
const KEY_ID_INFO = 'tradewise/key-id/v1';

/** Raw key material per ring, reachable only through `legacyKeyMaterial` (Fernet needs the raw halves). */
const material = new WeakMap<KeyRing, readonly Buffer[]>();

/**
 * HKDF-SHA256 (RFC 5869) with an empty salt: the input keys are already uniformly random (RFC 5869
 * §3.1), and `info` is what separates purposes, so one key never serves two algorithms.
 */
export function hkdf(ikm: Buffer | string, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, length));
}

/** A stable, public name for a key: 8 hex of SHA-256 over an HKDF output, so it reveals nothing of the key. */
function keyId(key: Buffer): string {
  return createHash('sha256')
    .update(hkdf(key, KEY_ID_INFO, 32))
    .digest('hex')
    .slice(0, 8);
}

export class KeyRing {
  /** Key ids in configuration order; the first is the one new envelopes are sealed under. */
  readonly kids: readonly string[];

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new KeyConfigurationError(VARIABLE, 'no key given');
    const kids = keys.map((key, i) => {
      if (key.length !== KEY_BYTES) {
        throw new KeyConfigurationError(
          VARIABLE,
          `key ${i + 1} is ${key.length} bytes, expected ${KEY_BYTES}`,
        );
      }
      return keyId(key);
    });
    const duplicate = kids.findIndex((kid, i) => kids.indexOf(kid) !== i);
    if (duplicate !== -1) {
      throw new KeyConfigurationError(VARIABLE, `key ${duplicate + 1} repeats an earlier key`);
    }
    this.kids = Object.freeze(kids);
    material.set(this, Object.freeze(keys.map((key) => Buffer.from(key))));
  }

  get primaryKid(): string {
    return this.kids[0] as string;
  }

  has(kid: string): boolean {
    return this.kids.includes(kid);
  }

  /** The key derived from key `kid` for `info` (e.g. `tradewise/bot-token/aes-256-gcm/v1`). */
  derive(kid: string, info: string, length = 32): Buffer {
    const index = this.kids.indexOf(kid);
    const key = material.get(this)?.[index];
    if (index === -1 || key === undefined) throw new RangeError(`unknown key id ${kid}`);
    return hkdf(key, info, length);
  }

  toJSON(): { kids: readonly string[] } {
    return { kids: this.kids };
  }

  [inspect.custom](): string {
    return `KeyRing { kids: [${this.kids.join(', ')}] }`;
  }
}

/**
 * The raw keys, in ring order. Only the legacy Fernet reader may use them: Fernet tokens written by
 * the original service were made with the raw key halves, so no derivation can be put in between.
 */
export function legacyKeyMaterial(ring: KeyRing): readonly Buffer[] {
  return material.get(ring) ?? [];
}

/**
 * Parses ENCRYPTION_KEY: a comma-separated list (or the list config already split), each entry 32
 * bytes in base64 or base64url, padded or not; a Fernet key (`Fernet.generate_key()`) is one of these.
 * Empty entries are skipped, as config's list parsing does. Throws KeyConfigurationError naming the
 * variable and the entry's position, never its content.
 */
export function parseEncryptionKeys(value: string | readonly string[]): KeyRing {
  const entries = (typeof value === 'string' ? value.split(',') : value)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new KeyConfigurationError(VARIABLE, 'no key given');
  const keys = entries.map((entry, i) => {
    const key = decodeEncryptionKey(entry);
    if (key === undefined) {
      throw new KeyConfigurationError(VARIABLE, `key ${i + 1} is not valid base64 or base64url`);
    }
    if (key.length !== KEY_BYTES) {
      throw new KeyConfigurationError(
        VARIABLE,
        `key ${i + 1} decodes to ${key.length} bytes, expected ${KEY_BYTES} (generate one with \`openssl rand -base64 32\`)`,
      );
    }
    return key;
  });
  return new KeyRing(keys);
}

/** One ENCRYPTION_KEY entry's bytes: canonical base64url or base64, padded or not; undefined if neither. */
export function decodeEncryptionKey(entry: string): Buffer | undefined {
  return decodeCanonical(entry, 'base64url') ?? decodeCanonical(entry, 'base64');
}

/** A fresh key in the format ENCRYPTION_KEY takes (base64url, 32 random bytes), e.g. for rotation. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}
