// Start-up reads Redis's maxmemory-policy (issue 13, item 2): revocation, IP block and throttle keys
// have TTLs, so any eviction policy (volatile-* included) can drop them and let a revoked token
// back in. Production refuses to start on such a Redis; elsewhere the service warns loudly.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { runServiceExpectingExit, SERVICE_START_TIMEOUT_MS, startService } from '../helpers/process.ts';
import { clusterMissing, startPlainRedis } from '../helpers/redis-topology.ts';

describe('the maxmemory-policy check at start-up', {
  skip: clusterMissing ?? false,
  // Three starts of the service, each bounded by the helper's own timeout: a fixed 120 s for all
  // three ran out on a loaded machine (about 40 s a start) while every start was still progressing.
  timeout: 3 * SERVICE_START_TIMEOUT_MS,
}, () => {
  let evicting: { url: string; stop(): Promise<void> };
  let strict: { url: string; stop(): Promise<void> };
  before(async () => {
    evicting = await startPlainRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    strict = await startPlainRedis(['--maxmemory-policy', 'noeviction']);
  });
  after(async () => {
    await evicting?.stop();
    await strict?.stop();
  });
  const env = (url: string) => ({
    REDIS_URL: url,
    REDIS_KEY_PREFIX: `tw-evict:${randomUUID().slice(0, 8)}:`,
    DATA_DIR: `/tmp/tradewise-test-${randomUUID()}`,
  });

  test('outside production an evicting policy starts with a warning naming the policy and why', async () => {
    const service = await startService(env(evicting.url));
    try {
      const output = service.output();
      assert.match(output, /maxmemory-policy is not noeviction/);
      assert.match(output, /allkeys-lru/);
      assert.match(output, /revoked tokens would be accepted again/);
    } finally {
      await service.stop();
    }
  });

  test('in production an evicting policy refuses to start', async () => {
    const { code, output } = await runServiceExpectingExit({
      ...env(evicting.url),
      NODE_ENV: 'production',
      SECRET_KEY: randomBytes(32).toString('hex'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PASSWORD_HASH_COST: '12',
    });
    assert.notEqual(code, 0);
    assert.match(output, /allkeys-lru/);
    assert.match(output, /refusing to start in production/);
  });

  test('noeviction starts without the warning', async () => {
    const service = await startService(env(strict.url));
    try {
      assert.doesNotMatch(service.output(), /maxmemory-policy/);
    } finally {
      await service.stop();
    }
  });
});
