// Encryption of data at rest (bot API tokens, ...): AES-256-GCM (NIST SP 800-38D) in a versioned
// envelope that names its key, so keys can rotate without a flag day:
//   v1.<kid>.<base64url(iv (12) | ciphertext | tag (16))>
// The caller's associated data binds a ciphertext to its row (e.g. `tenant:<id>|bot:<id>|field:api_token`):
// copied into another row or tenant it fails to decrypt (OWASP ASVS 6.2.x, authenticated encryption).
// Random 96-bit IVs keep a key safe for 2^32 encryptions (SP 800-38D §8.3); rotation resets the count.

import type { KeyObject } from 'node:crypto';
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { decodeCanonical } from './base64.ts';
import { DecryptionError } from './errors.ts';
import { fernetDecrypt, legacyTokenBytes } from './fernet.ts';
import type { KeyRing } from './key-ring.ts';
import { legacyKeyMaterial } from './key-ring.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PURPOSE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface DataCipher {
  /** Seals `plaintext` under the first key, bound to `aad` (non-empty). */
  encrypt(plaintext: string, aad: string): string;
  /** Opens an envelope sealed with the same `aad`, or a legacy Fernet value; throws DecryptionError. */
  decrypt(envelope: string, aad: string): string;
  /** True unless the value is a current envelope under the first key: the rotation command's test. */
  needsReEncryption(envelope: string): boolean;
}

/**
 * A cipher for one purpose (e.g. `bot-token`). Each configured key is stretched by HKDF with the info
 * `tradewise/<purpose>/aes-256-gcm/v1`, so no key material serves two purposes or two algorithms.
 */
export function createDataCipher(ring: KeyRing, purpose: string): DataCipher {
  if (!PURPOSE.test(purpose)) throw new TypeError('purpose must be lower-case words joined by hyphens');
  const info = `tradewise/${purpose}/aes-256-gcm/v1`;
  const keys = new Map<string, KeyObject>(
    ring.kids.map((kid) => [kid, createSecretKey(ring.derive(kid, info))]),
  );
  const primaryKid = ring.primaryKid;

  function encrypt(plaintext: string, aad: string): string {
    requireAad(aad);
    const data = Buffer.from(plaintext, 'utf8');
    // A lone surrogate would come back as U+FFFD: refuse rather than store something else.
    if (data.toString('utf8') !== plaintext) throw new TypeError('plaintext is not well-formed Unicode');
    const header = `${VERSION}.${primaryKid}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', keys.get(primaryKid) as KeyObject, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(associatedData(header, aad));
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    const payload = Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
    return `${header}.${payload}`;
  }

  function decrypt(envelope: string, aad: string): string {
    requireAad(aad);
    const plaintext = envelope.startsWith(`${VERSION}.`) ? openEnvelope(envelope, aad) : openLegacy(envelope);
    try {
      return strictUtf8.decode(plaintext);
    } catch {
      throw new DecryptionError();
    }
  }

  function openEnvelope(envelope: string, aad: string): Buffer {
    const [, kid, payload, extra] = envelope.split('.');
    const key = kid === undefined ? undefined : keys.get(kid);
    const bytes = payload === undefined ? undefined : decodeCanonical(payload, 'base64url');
    if (
      extra !== undefined ||
      key === undefined ||
      bytes === undefined ||
      bytes.length < IV_BYTES + TAG_BYTES
    ) {
      throw new DecryptionError();
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(`${VERSION}.${kid}`, aad));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new DecryptionError();
    }
  }

  // Legacy Fernet values carry no key id and had no associated data: every key is tried, and the
  // binding to a row only exists once the rotation command has re-encrypted the value.
  function openLegacy(value: string): Buffer {
    const token = legacyTokenBytes(value);
    if (token !== undefined) {
      for (const key of legacyKeyMaterial(ring)) {
        const plaintext = fernetDecrypt(token, key);
        if (plaintext !== undefined) return plaintext;
      }
    }
    throw new DecryptionError();
  }

  function needsReEncryption(envelope: string): boolean {
    return !envelope.startsWith(`${VERSION}.${primaryKid}.`);
  }

  return Object.freeze({ encrypt, decrypt, needsReEncryption });
}

function requireAad(aad: string): void {
  // Associated data is what stops row swapping; an empty one is a caller's bug, not a choice.
  if (aad.length === 0) throw new TypeError('associated data must not be empty');
}

/** The header (fixed length) is authenticated too, so the version and key id cannot be swapped. */
function associatedData(header: string, aad: string): Buffer {
  return Buffer.from(`${header}|${aad}`, 'utf8');
}
