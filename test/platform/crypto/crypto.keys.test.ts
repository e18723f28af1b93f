import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  generateEncryptionKey,
  generateSecretKey,
  KeyConfigurationError,
  parseEncryptionKeys,
  parseSecretKeys,
  parseSigningKeys,
  secretKeyId,
} from '../../../src/platform/crypto/index.ts';

const FERNET_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';

function configError(variable: string, message: RegExp) {
  return (error: unknown) =>
    error instanceof KeyConfigurationError &&
    error.variable === variable &&
    error.message.startsWith(`${variable}: `) &&
    message.test(error.message);
}

describe('ENCRYPTION_KEY parsing', () => {
  test('accepts 32-byte keys in base64, base64url, padded or not, and a Fernet key as is', () => {
    const bytes = Buffer.alloc(32, 0xfb); // '+/v7...' in base64, '-_v7...' in base64url
    const key = randomBytes(32);
    for (const spelling of [
      FERNET_KEY,
      key.toString('base64'),
      key.toString('base64url'),
      key.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64'),
      bytes.toString('base64url'),
    ]) {
      assert.equal(parseEncryptionKeys(spelling).kids.length, 1, spelling);
    }
  });

  test('the same key in base64 and base64url spelling has the same key id', () => {
    const key = Buffer.alloc(32, 0xfb);
    assert.equal(
      parseEncryptionKeys(key.toString('base64')).primaryKid,
      parseEncryptionKeys(key.toString('base64url')).primaryKid,
    );
  });

  test('a comma-separated list keeps its order: the first key is the primary', () => {
    const [a, b, c] = [generateEncryptionKey(), generateEncryptionKey(), generateEncryptionKey()];
    const ring = parseEncryptionKeys(` ${a} ,${b},${c}, `);
    assert.deepEqual(
      ring.kids,
      [a, b, c].map((k) => parseEncryptionKeys(k).primaryKid),
    );
    assert.equal(ring.primaryKid, ring.kids[0]);
    assert.deepEqual(parseEncryptionKeys([a, b, c]).kids, ring.kids);
  });

  test('key ids are 8 hex characters, stable across parses, and contain no key material', () => {
    const key = generateEncryptionKey();
    const kid = parseEncryptionKeys(key).primaryKid;
    assert.match(kid, /^[0-9a-f]{8}$/);
    assert.equal(parseEncryptionKeys(key).primaryKid, kid);
    assert.ok(!Buffer.from(key, 'base64url').toString('hex').includes(kid));
  });

  test('the key id of a known key is pinned, so stored envelopes keep resolving after upgrades', () => {
    // Computed independently with Python: sha256(HKDF(SHA256, 32, salt=None, info=b'tradewise/key-id/v1')
    // .derive(key)).hexdigest()[:8].
    assert.equal(parseEncryptionKeys(FERNET_KEY).primaryKid, 'eca5023e');
  });

  test('a key ring prints and serialises as its key ids only', () => {
    const key = generateEncryptionKey();
    const ring = parseEncryptionKeys(key);
    const raw = Buffer.from(key, 'base64url');
    for (const shown of [JSON.stringify(ring), inspect(ring, { showHidden: true, depth: 5 }), String(ring)]) {
      assert.ok(!shown.includes(key));
      assert.ok(!shown.includes(raw.toString('hex')));
      assert.ok(!shown.includes(raw.toString('base64')));
    }
    assert.deepEqual(JSON.parse(JSON.stringify(ring)), { kids: [ring.primaryKid] });
  });

  test('a key of the wrong length is refused with an error naming ENCRYPTION_KEY and the entry', () => {
    const good = generateEncryptionKey();
    for (const bad of [randomBytes(16).toString('base64'), randomBytes(33).toString('base64url'), 'abcd']) {
      assert.throws(() => parseEncryptionKeys(`${good},${bad}`), configError('ENCRYPTION_KEY', /key 2 .*32/));
    }
  });

  test('a key that is not base64 is refused, and the error does not echo it', () => {
    const bad = `${randomBytes(31).toString('hex')}!`;
    assert.throws(
      () => parseEncryptionKeys(bad),
      (error: unknown) => {
        assert.ok(configError('ENCRYPTION_KEY', /key 1 is not valid base64/)(error));
        assert.ok(!(error as Error).message.includes(bad));
        return true;
      },
    );
    assert.throws(() => parseEncryptionKeys('a+b_'.repeat(11)), configError('ENCRYPTION_KEY', /key 1/));
  });

  test('an empty setting or a repeated key is refused', () => {
    const key = generateEncryptionKey();
    assert.throws(() => parseEncryptionKeys(''), configError('ENCRYPTION_KEY', /no key/));
    assert.throws(() => parseEncryptionKeys(' , '), configError('ENCRYPTION_KEY', /no key/));
    assert.throws(() => parseEncryptionKeys(`${key},${key}`), configError('ENCRYPTION_KEY', /key 2 repeats/));
  });

  test('generated keys are accepted and distinct', () => {
    const a = generateEncryptionKey();
    assert.notEqual(a, generateEncryptionKey());
    assert.equal(Buffer.from(a, 'base64url').length, 32);
  });
});

describe('SECRET_KEY parsing', () => {
  test('entries are kept as raw strings, trimmed, in order', () => {
    assert.deepEqual(parseSecretKeys(' first-secret ,second=secret/+, '), [
      'first-secret',
      'second=secret/+',
    ]);
    assert.deepEqual(parseSecretKeys(['a', 'b']), ['a', 'b']);
  });

  test('an empty setting or a repeated key is refused naming SECRET_KEY', () => {
    assert.throws(() => parseSecretKeys(''), configError('SECRET_KEY', /no key/));
    assert.throws(() => parseSecretKeys('k1,k1'), configError('SECRET_KEY', /key 2 repeats/));
  });

  test('each signing key has a stable 16-hex kid that differs between keys', () => {
    const [first, second] = parseSigningKeys('one-secret-key,two-secret-key');
    assert.match(first?.kid ?? '', /^[0-9a-f]{16}$/);
    assert.equal(first?.kid, secretKeyId('one-secret-key'));
    assert.notEqual(first?.kid, second?.kid);
    assert.equal(first?.secret, 'one-secret-key');
  });

  test('the kid of a known key is pinned, so tokens issued before an upgrade keep verifying', () => {
    // Computed independently with Python: HKDF(SHA256, 8, salt=None, info=b'tradewise/jwt-kid/v1').derive(key).
    assert.equal(secretKeyId('your-secret-key-here'), 'dd971550d0eef711');
  });

  test('a signing key and an encryption key with the same bytes get unrelated ids', () => {
    const key = generateEncryptionKey();
    assert.ok(!secretKeyId(key).includes(parseEncryptionKeys(key).primaryKid));
  });

  test('generated secret keys are at least 32 bytes', () => {
    assert.ok(Buffer.byteLength(generateSecretKey()) >= 32);
  });
});
