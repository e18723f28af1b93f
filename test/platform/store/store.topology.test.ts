// Which Redis the settings select, and Redis Cluster's key → slot mapping the batch splitter uses
// (values from the Redis Cluster specification and CLUSTER KEYSLOT).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { revocationKeys } from '../../../src/features/auth/revocation.ts';
import { throttleKey } from '../../../src/features/protection/automated-response.ts';
import { redisTopology } from '../../../src/platform/store/index.ts';
import { hashTagOf, keySlot } from '../../../src/platform/store/key-slot.ts';
import { testConfig } from '../../helpers/app.ts';

describe('Redis topology and key slots', () => {
  test('REDIS_URL, REDIS_SENTINELS + REDIS_SENTINEL_NAME and REDIS_CLUSTER_NODES each select their client', () => {
    const none = { REDIS_URL: undefined };
    assert.deepEqual(redisTopology(testConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' })), {
      kind: 'standalone',
      url: 'redis://127.0.0.1:6379/2',
    });
    assert.deepEqual(
      redisTopology(
        testConfig({
          ...none,
          REDIS_SENTINELS: '127.0.0.1:26379,127.0.0.1:26380',
          REDIS_SENTINEL_NAME: 'm',
          REDIS_PASSWORD: 'pw',
        }),
      ),
      {
        kind: 'sentinel',
        sentinels: [
          { host: '127.0.0.1', port: 26379 },
          { host: '127.0.0.1', port: 26380 },
        ],
        name: 'm',
        password: 'pw',
      },
    );
    assert.deepEqual(redisTopology(testConfig({ ...none, REDIS_CLUSTER_NODES: '127.0.0.1:7000' })), {
      kind: 'cluster',
      nodes: [{ host: '127.0.0.1', port: 7000 }],
    });
    assert.equal(redisTopology(testConfig(none)), undefined);
  });

  test('slots are CRC16 modulo 16384 of the key or its hash tag', () => {
    assert.equal(keySlot('foo'), 12182);
    assert.equal(keySlot('123456789'), 12739);
    assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
    assert.equal(hashTagOf('tw:revoked:user:{u:42}'), 'u:42');
    // An empty or unclosed tag does not count: the whole key is hashed.
    assert.equal(hashTagOf('a{}b'), 'a{}b');
    assert.equal(hashTagOf('a{b'), 'a{b');
  });

  test("a user's keys share one slot whatever the store's prefix", () => {
    const user = '0190a5c2-7e3f-7a9b-8c1d-2e3f4a5b6c7d';
    const revocation = revocationKeys(user);
    const keys = [revocation.revokedBefore, revocation.inactive, throttleKey(user)];
    assert.equal(new Set(keys.map((key) => keySlot(`tw:${key}`))).size, 1);
  });
});
