// Legacy values written by the original Python service (cryptography.fernet) must still decrypt.
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  createDataCipher,
  DecryptionError,
  generateEncryptionKey,
  parseEncryptionKeys,
} from '../../../src/platform/crypto/index.ts';

const AAD = 'tenant:t1|bot:b1|field:api_token';

/** Fernet encryption as in github.com/fernet/spec, only for making fixtures: production never writes it. */
function fernetEncrypt(
  key: string,
  plaintext: string,
  timestamp = 1_700_000_000,
  iv = randomBytes(16),
): string {
  const raw = Buffer.from(key, 'base64url');
  const cipher = createCipheriv('aes-128-cbc', raw.subarray(16), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  const signed = Buffer.concat([Buffer.from([0x80]), time, iv, ciphertext]);
  const mac = createHmac('sha256', raw.subarray(0, 16)).update(signed).digest();
  const token = Buffer.concat([signed, mac]).toString('base64url');
  return token + '='.repeat((4 - (token.length % 4)) % 4);
}

/** The seed's storage form: `base64.b64encode(fernet.encrypt(data.encode())).decode()`. */
function seedForm(token: string): string {
  return Buffer.from(token, 'latin1').toString('base64');
}

function cipherFor(keys: string | string[]) {
  return createDataCipher(parseEncryptionKeys(keys), 'bot-token');
}

// Published test vector of the Fernet spec (generate.json / verify.json), no TTL.
const SPEC_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SPEC_TOKEN =
  'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';

// Produced by Python `cryptography` 48.0: base64.b64encode(Fernet(SEED_KEY)._encrypt_from_parts(
//   b'bot-api-token-0123456789', 1700000000, bytes(range(16, 32)))) — the seed's exact storage form.
const SEED_KEY = 'S0kO2Z6SO8S2B7X6BFPHdHYM8G0ywhuYVp2S02kRYls=';
const SEED_VALUE =
  'Z0FBQUFBQmxVX0VBRUJFU0V4UVZGaGNZR1JvYkhCMGVIeEdjTDlJdU0yVjdCNi1VZVd1YngyUHpzTTlrQWJkTnRWYU53c3dIQ1ZHYWU4' +
  'cThXZHJ3NGpoaWtRRWJJTzdCRHhXZWh4WHc3ZEtSX3hHNjVqNVMtd0U9';
// Produced by Python `cryptography` 48.0: base64.b64encode(Fernet(SPEC_KEY).encrypt('tök€n'.encode())).
const SEED_VALUE_UNICODE =
  'Z0FBQUFBQnJDajFGcmV4dlRPQlNtTXF0ZFZ6QUFmQkRXSlppNmYtcWNwTHJXampzMHF5WHZzNEZocVlWbjBualBtdmZKVlItV0Rtazg2' +
  'ZW9GRkZtSnhYbl9HYVUzS3lNYVE9PQ==';

describe('legacy Fernet values', () => {
  test('the Fernet spec test vector decrypts to "hello" with the spec key', () => {
    assert.equal(cipherFor(SPEC_KEY).decrypt(SPEC_TOKEN, AAD), 'hello');
  });

  test("a value in the seed's double-base64 form, made by Python's cryptography, decrypts", () => {
    assert.equal(cipherFor(SEED_KEY).decrypt(SEED_VALUE, AAD), 'bot-api-token-0123456789');
    assert.equal(cipherFor(SPEC_KEY).decrypt(SEED_VALUE_UNICODE, AAD), 'tök€n');
  });

  test('legacy values decrypt whatever the associated data, since the seed bound none', () => {
    assert.equal(
      cipherFor(SEED_KEY).decrypt(SEED_VALUE, 'tenant:other|bot:other|field:api_token'),
      'bot-api-token-0123456789',
    );
  });

  test('a legacy value decrypts when its Fernet key is any entry of the key list', () => {
    const cipher = cipherFor([generateEncryptionKey(), SPEC_KEY, SEED_KEY]);
    assert.equal(cipher.decrypt(SEED_VALUE, AAD), 'bot-api-token-0123456789');
    assert.equal(cipher.decrypt(SPEC_TOKEN, AAD), 'hello');
  });

  test('a legacy value always needs re-encryption, and re-encrypting it gives a current envelope', () => {
    const cipher = cipherFor([generateEncryptionKey(), SEED_KEY]);
    assert.equal(cipher.needsReEncryption(SEED_VALUE), true);
    const envelope = cipher.encrypt(cipher.decrypt(SEED_VALUE, AAD), AAD);
    assert.equal(cipher.needsReEncryption(envelope), false);
    assert.equal(cipher.decrypt(envelope, AAD), 'bot-api-token-0123456789');
  });

  test('a token made by the test helper decrypts in both bare and seed form', () => {
    const key = generateEncryptionKey();
    const token = fernetEncrypt(key, 'helper-made token');
    assert.equal(cipherFor(key).decrypt(token, AAD), 'helper-made token');
    assert.equal(cipherFor(key).decrypt(seedForm(token), AAD), 'helper-made token');
  });

  test('a legacy value fails to decrypt when its Fernet key is not configured', () => {
    assert.throws(() => cipherFor(generateEncryptionKey()).decrypt(SEED_VALUE, AAD), DecryptionError);
    assert.throws(() => cipherFor(SEED_KEY).decrypt(SPEC_TOKEN, AAD), DecryptionError);
  });

  test('changing any byte of a legacy token makes it fail to decrypt', () => {
    const token = Buffer.from(SPEC_TOKEN, 'base64url');
    const cipher = cipherFor(SPEC_KEY);
    for (let i = 0; i < token.length; i++) {
      const copy = Buffer.from(token);
      copy[i] = (copy[i] as number) ^ 0x80;
      const tampered = copy.toString('base64url');
      assert.throws(() => cipher.decrypt(tampered, AAD), DecryptionError, `byte ${i}`);
      assert.throws(() => cipher.decrypt(seedForm(tampered), AAD), DecryptionError, `byte ${i}, seed form`);
    }
  });

  test('a token with a correct MAC but bad padding fails with the same error', () => {
    const key = generateEncryptionKey();
    const raw = Buffer.from(key, 'base64url');
    const iv = randomBytes(16);
    // One block whose last byte (0x00) is not valid PKCS#7 padding, properly MACed.
    const cipher = createCipheriv('aes-128-cbc', raw.subarray(16), iv).setAutoPadding(false);
    const ciphertext = Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]);
    const signed = Buffer.concat([Buffer.from([0x80]), Buffer.alloc(8), iv, ciphertext]);
    const mac = createHmac('sha256', raw.subarray(0, 16)).update(signed).digest();
    const token = Buffer.concat([signed, mac]).toString('base64url');
    assert.throws(() => cipherFor(key).decrypt(token, AAD), DecryptionError);
  });
});
