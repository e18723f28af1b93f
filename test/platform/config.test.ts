import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, weakSecretWarnings } from '../../src/config.ts';
import { withDevelopmentSecrets } from '../../src/platform/secrets.ts';

// Generated, as production requires (it refuses repetitive keys such as 'k'.repeat(32)).
const strongKey = randomBytes(24).toString('base64');
const encKey = randomBytes(32).toString('base64');
const encKey2 = randomBytes(32).toString('base64url');

describe('configuration', () => {
  test('defaults follow the contract', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.debug, false);
    assert.equal(config.accessTokenExpireMinutes, 60);
    assert.deepEqual(config.loginRateLimit, { limit: 5, windowMs: 60_000 });
    assert.deepEqual(config.testConnectionRateLimit, { limit: 10, windowMs: 60_000 });
    assert.equal(config.bruteForceMaxAttempts, 5);
    assert.equal(config.bruteForceWindowSeconds, 300);
    assert.equal(config.ipBlockSeconds, 3600);
    assert.equal(config.suspiciousApiCallsPerMinute, 100);
    assert.equal(config.userRateLimitSeconds, 300);
    assert.equal(config.auditRetentionDays, 365);
    assert.equal(config.passwordHashCost, 12);
    assert.deepEqual([...config.corsOrigins], ['https://app.tradewise.com', 'https://tradewise.com']);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.redisUrl, undefined);
  });

  test('the loaded configuration is frozen', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  for (const [variable, value] of [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DEBUG', 'maybe'],
    ['ACCESS_TOKEN_EXPIRE_MINUTES', '-5'],
    ['LOGIN_RATE_LIMIT', 'five per minute'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['REDIS_URL', 'not a url'],
    ['TRUSTED_PROXIES', '10.0.0.0/33'],
    ['ALERT_WEBHOOK_URL', 'ftp://example.com/hook'],
    ['LOG_LEVEL', 'loud'],
    ['ENCRYPTION_KEY', 'too-short'],
    ['SECRET_KEY', 'same,same'],
  ] as const) {
    test(`a bad ${variable} stops start-up with a message naming it`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${variable}:`),
      );
    });
  }

  test('rate limits accept the seed notation', () => {
    assert.deepEqual(loadConfig({ LOGIN_RATE_LIMIT: '20/hour' }).loginRateLimit, {
      limit: 20,
      windowMs: 3_600_000,
    });
  });

  test('DEBUG adds the development console origin to CORS', () => {
    assert.ok(loadConfig({ DEBUG: 'true' }).corsOrigins.includes('http://localhost:8080'));
    assert.ok(!loadConfig({}).corsOrigins.includes('http://localhost:8080'));
  });

  test('SECRET_KEY and ENCRYPTION_KEY may list several keys', () => {
    const config = loadConfig({ SECRET_KEY: 'a,b , c', ENCRYPTION_KEY: `${encKey},${encKey2}` });
    assert.deepEqual([...config.secretKey], ['a', 'b', 'c']);
    assert.deepEqual([...config.encryptionKey], [encKey, encKey2]);
  });

  describe('in production', () => {
    test('refuses to start without SECRET_KEY', () => {
      assert.throws(
        () => loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEY: encKey }),
        /^ConfigError|SECRET_KEY/,
      );
    });
    test('refuses a SECRET_KEY shorter than 32 bytes, including in a key list', () => {
      for (const key of ['short', `${strongKey},short`]) {
        assert.throws(
          () => loadConfig({ NODE_ENV: 'production', SECRET_KEY: key, ENCRYPTION_KEY: encKey }),
          (e: unknown) => e instanceof ConfigError && e.variable === 'SECRET_KEY',
        );
      }
    });
    test('refuses to start without ENCRYPTION_KEY', () => {
      assert.throws(
        () => loadConfig({ NODE_ENV: 'production', SECRET_KEY: strongKey }),
        (e: unknown) => e instanceof ConfigError && e.variable === 'ENCRYPTION_KEY',
      );
    });
    test('starts with strong secrets and never generates any', () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tw-cfg-'));
      const config = loadConfig({
        NODE_ENV: 'production',
        SECRET_KEY: strongKey,
        ENCRYPTION_KEY: encKey,
        DATA_DIR: dataDir,
      });
      const outcome = withDevelopmentSecrets(config);
      assert.deepEqual(outcome.fromFile, []);
      assert.equal(outcome.created, false);
      assert.throws(() => statSync(join(dataDir, 'secrets.json')), { code: 'ENOENT' });
    });
  });

  describe('weak secrets outside production', () => {
    test('start with one warning per weak key, by the rule production refuses them with, never quoting the key', () => {
      const zeroKey = Buffer.alloc(32).toString('base64');
      const warnings = weakSecretWarnings(
        loadConfig({
          SECRET_KEY: `short,${'k'.repeat(40)},${strongKey}`,
          ENCRYPTION_KEY: `${encKey},${zeroKey}`,
        }),
      );
      assert.deepEqual(
        warnings.map((w) => w.variable),
        ['SECRET_KEY', 'SECRET_KEY', 'ENCRYPTION_KEY'],
      );
      assert.match(
        warnings[0]?.message ?? '',
        /^SECRET_KEY key 1 is shorter than 32 bytes; production would refuse it/,
      );
      assert.match(warnings[1]?.message ?? '', /^SECRET_KEY key 2 is repetitive/);
      assert.match(warnings[2]?.message ?? '', /^ENCRYPTION_KEY key 2 is all zero/);
      assert.ok(!JSON.stringify(warnings).includes('kkkk') && !JSON.stringify(warnings).includes(zeroKey));
      for (const key of ['short', 'k'.repeat(40)]) {
        assert.throws(
          () => loadConfig({ NODE_ENV: 'production', SECRET_KEY: key, ENCRYPTION_KEY: encKey }),
          (e: unknown) => e instanceof ConfigError && e.variable === 'SECRET_KEY',
          'production refuses what development warns about',
        );
      }
    });

    test('strong or generated keys give no warning', () => {
      assert.deepEqual(weakSecretWarnings(loadConfig({ SECRET_KEY: strongKey, ENCRYPTION_KEY: encKey })), []);
      const dataDir = mkdtempSync(join(tmpdir(), 'tw-cfg-'));
      assert.deepEqual(
        weakSecretWarnings(withDevelopmentSecrets(loadConfig({ DATA_DIR: dataDir })).config),
        [],
      );
    });
  });

  describe('development secrets', () => {
    test('are generated under DATA_DIR with mode 0600 and reused on the next start', () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tw-cfg-'));
      const first = withDevelopmentSecrets(loadConfig({ DATA_DIR: dataDir }));
      assert.deepEqual(first.fromFile, ['SECRET_KEY', 'ENCRYPTION_KEY']);
      assert.equal(first.created, true);
      const file = join(dataDir, 'secrets.json');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.ok((first.config.secretKey[0] ?? '').length >= 32);
      const second = withDevelopmentSecrets(loadConfig({ DATA_DIR: dataDir }));
      assert.deepEqual(second.fromFile, ['SECRET_KEY', 'ENCRYPTION_KEY']);
      assert.equal(second.created, false, 'read, not generated again');
      assert.deepEqual([...second.config.secretKey], [...first.config.secretKey]);
      assert.deepEqual([...second.config.encryptionKey], [...first.config.encryptionKey]);
      assert.match(readFileSync(file, 'utf8'), /secretKey/);
    });

    test('are not used for a setting given explicitly', () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tw-cfg-'));
      const outcome = withDevelopmentSecrets(loadConfig({ DATA_DIR: dataDir, SECRET_KEY: 'mine' }));
      assert.deepEqual(outcome.fromFile, ['ENCRYPTION_KEY']);
      assert.deepEqual([...outcome.config.secretKey], ['mine']);
    });
  });
});
