import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createDataCipher,
  DecryptionError,
  generateEncryptionKey,
  parseEncryptionKeys,
} from '../../../src/platform/crypto/index.ts';

const AAD =
  'tenant:7d3f0c2e-8f1a-4c53-9a51-2f0b6a1d9e10|bot:0b8e1f6a-55c2-4a39-8d7e-3c1f2a9b4d60|field:api_token';
const OTHER_ROW =
  'tenant:7d3f0c2e-8f1a-4c53-9a51-2f0b6a1d9e10|bot:1c9f2a7b-66d3-4b4a-9e8f-4d2a3bac5e71|field:api_token';
const OTHER_TENANT =
  'tenant:9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d|bot:0b8e1f6a-55c2-4a39-8d7e-3c1f2a9b4d60|field:api_token';

const oldKey = generateEncryptionKey();
const newKey = generateEncryptionKey();

function cipherFor(keys: string, purpose = 'bot-token') {
  return createDataCipher(parseEncryptionKeys(keys), purpose);
}

describe('data cipher (AES-256-GCM envelopes)', () => {
  test('a value encrypted with some associated data decrypts with the same associated data', () => {
    const cipher = cipherFor(oldKey);
    for (const plaintext of ['sk_live_0123456789abcdef', '', 'tök€n 🔑 with unicode', 'x'.repeat(5000)]) {
      assert.equal(cipher.decrypt(cipher.encrypt(plaintext, AAD), AAD), plaintext);
    }
  });

  test('an envelope is v1.<key id>.<base64url>, and names the first key', () => {
    const ring = parseEncryptionKeys(oldKey);
    const envelope = createDataCipher(ring, 'bot-token').encrypt('secret-token', AAD);
    const [version, kid, payload] = envelope.split('.');
    assert.equal(version, 'v1');
    assert.equal(kid, ring.primaryKid);
    assert.match(payload ?? '', /^[A-Za-z0-9_-]+$/);
    // 12-byte IV + 12 bytes of ciphertext + 16-byte tag.
    assert.equal(Buffer.from(payload ?? '', 'base64url').length, 12 + 12 + 16);
    assert.ok(!envelope.includes('secret-token'));
  });

  test('an envelope made by an independent implementation opens (the format is pinned)', () => {
    // Made with Python `cryptography` 48.0: k = HKDF(SHA256, 32, salt=None,
    // info=b'tradewise/bot-token/aes-256-gcm/v1').derive(key); iv = bytes(range(12));
    // 'v1.eca5023e.' + b64url(iv + AESGCM(k).encrypt(iv, b'exchange-api-token', b'v1.eca5023e|' + aad)).
    const known = 'v1.eca5023e.AAECAwQFBgcICQoLGAxs_8A7Eb5tGDganbiwfxJ4frCSL62uyH9AdHJbYb-TdA';
    const cipher = cipherFor('cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=');
    assert.equal(cipher.decrypt(known, 'tenant:t1|bot:b1|field:api_token'), 'exchange-api-token');
    assert.throws(() => cipher.decrypt(known, 'tenant:t2|bot:b1|field:api_token'), DecryptionError);
  });

  test('encrypting the same value twice gives different envelopes (fresh random IV)', () => {
    const cipher = cipherFor(oldKey);
    assert.notEqual(cipher.encrypt('same', AAD), cipher.encrypt('same', AAD));
  });

  test('changing any single character of an envelope makes it fail to decrypt', () => {
    const cipher = cipherFor(oldKey);
    const envelope = cipher.encrypt('exchange-api-token', AAD);
    for (let i = 0; i < envelope.length; i++) {
      const original = envelope[i] as string;
      for (const replacement of new Set(['A', 'B', 'z', '0', '-', '.', original === 'A' ? 'Q' : 'A'])) {
        if (replacement === original) continue;
        const tampered = envelope.slice(0, i) + replacement + envelope.slice(i + 1);
        assert.throws(
          () => cipher.decrypt(tampered, AAD),
          DecryptionError,
          `position ${i} -> ${replacement}`,
        );
      }
    }
  });

  test('flipping any bit of the IV, ciphertext or tag makes it fail to decrypt', () => {
    const cipher = cipherFor(oldKey);
    const envelope = cipher.encrypt('exchange-api-token', AAD);
    const cut = envelope.lastIndexOf('.') + 1;
    const bytes = Buffer.from(envelope.slice(cut), 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = (copy[i] as number) ^ 0x01;
      const tampered = envelope.slice(0, cut) + copy.toString('base64url');
      assert.throws(() => cipher.decrypt(tampered, AAD), DecryptionError);
    }
  });

  test('truncated, extended or malformed envelopes fail with the same vague error', () => {
    const cipher = cipherFor(oldKey);
    const envelope = cipher.encrypt('exchange-api-token', AAD);
    for (const bad of [
      envelope.slice(0, -1),
      `${envelope}A`,
      `${envelope}.x`,
      envelope.slice(0, envelope.lastIndexOf('.')),
      'v1..',
      'v1',
      '',
      'not an envelope',
      `v2${envelope.slice(2)}`,
    ]) {
      assert.throws(
        () => cipher.decrypt(bad, AAD),
        (error: unknown) => error instanceof DecryptionError && error.message === 'decryption failed',
      );
    }
  });

  test('a ciphertext copied into another row or another tenant fails to decrypt', () => {
    const cipher = cipherFor(oldKey);
    const envelope = cipher.encrypt('exchange-api-token', AAD);
    assert.throws(() => cipher.decrypt(envelope, OTHER_ROW), DecryptionError);
    assert.throws(() => cipher.decrypt(envelope, OTHER_TENANT), DecryptionError);
    assert.throws(() => cipher.decrypt(envelope, `${AAD} `), DecryptionError);
  });

  test('empty associated data is refused as a programming error', () => {
    const cipher = cipherFor(oldKey);
    assert.throws(() => cipher.encrypt('token', ''), TypeError);
    assert.throws(() => cipher.decrypt(cipher.encrypt('token', AAD), ''), TypeError);
  });

  test('a string with a lone surrogate is refused rather than stored altered', () => {
    assert.throws(() => cipherFor(oldKey).encrypt('abc\ud800', AAD), TypeError);
  });

  test('an envelope under a key that is no longer configured fails to decrypt', () => {
    const envelope = cipherFor(oldKey).encrypt('exchange-api-token', AAD);
    assert.throws(() => cipherFor(newKey).decrypt(envelope, AAD), DecryptionError);
  });

  test('an envelope relabelled with another configured key id fails to decrypt', () => {
    const ring = parseEncryptionKeys([newKey, oldKey]);
    const envelope = createDataCipher(ring, 'bot-token').encrypt('exchange-api-token', AAD);
    const relabelled = envelope.replace(`.${ring.kids[0]}.`, `.${ring.kids[1]}.`);
    assert.notEqual(relabelled, envelope);
    assert.throws(() => createDataCipher(ring, 'bot-token').decrypt(relabelled, AAD), DecryptionError);
  });

  test('different purposes derive different keys from the same configured key', () => {
    const envelope = cipherFor(oldKey, 'bot-token').encrypt('exchange-api-token', AAD);
    assert.throws(() => cipherFor(oldKey, 'webhook-secret').decrypt(envelope, AAD), DecryptionError);
  });

  test('a purpose must be lower-case words joined by hyphens', () => {
    const ring = parseEncryptionKeys(oldKey);
    for (const bad of ['', 'Bot', 'bot/token', 'bot token', '-bot']) {
      assert.throws(() => createDataCipher(ring, bad), TypeError);
    }
  });
});

describe('data cipher key rotation', () => {
  test('after rotation the old key, listed second, still decrypts what it encrypted', () => {
    const before = cipherFor(oldKey).encrypt('exchange-api-token', AAD);
    assert.equal(cipherFor(`${newKey},${oldKey}`).decrypt(before, AAD), 'exchange-api-token');
  });

  test('after rotation new envelopes are sealed under the first key', () => {
    const ring = parseEncryptionKeys(`${newKey},${oldKey}`);
    const envelope = createDataCipher(ring, 'bot-token').encrypt('exchange-api-token', AAD);
    assert.equal(envelope.split('.')[1], ring.kids[0]);
    assert.equal(cipherFor(newKey).decrypt(envelope, AAD), 'exchange-api-token');
    assert.throws(() => cipherFor(oldKey).decrypt(envelope, AAD), DecryptionError);
  });

  test('needsReEncryption is true for envelopes under a later key and false under the first', () => {
    const before = cipherFor(oldKey).encrypt('exchange-api-token', AAD);
    const rotated = cipherFor(`${newKey},${oldKey}`);
    assert.equal(rotated.needsReEncryption(before), true);
    const after = rotated.encrypt(rotated.decrypt(before, AAD), AAD);
    assert.equal(rotated.needsReEncryption(after), false);
    assert.equal(rotated.needsReEncryption('not an envelope'), true);
  });
});
