// The setting a start-up message names for the state store, and where it points: never a password.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { stateStoreSetting } from '../../../src/platform/store/index.ts';

const base = { DATABASE_URL: 'postgres://app@127.0.0.1/tw' };

test('the state store setting is named with its target, a REDIS_URL without its user and password', () => {
  assert.equal(stateStoreSetting(loadConfig({})), undefined, 'the in-process store has none');
  assert.deepEqual(
    stateStoreSetting(loadConfig({ ...base, REDIS_URL: 'rediss://user:hunter2@cache.internal:6380/3' })),
    {
      variable: 'REDIS_URL',
      target: 'rediss://cache.internal:6380/3',
    },
  );
  assert.deepEqual(
    stateStoreSetting(
      loadConfig({
        ...base,
        REDIS_SENTINELS: 's1:26379,[::1]:26380',
        REDIS_SENTINEL_NAME: 'main',
        REDIS_PASSWORD: 'pw',
      }),
    ),
    { variable: 'REDIS_SENTINELS', target: 's1:26379,[::1]:26380 (master main)' },
  );
  assert.deepEqual(stateStoreSetting(loadConfig({ ...base, REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' })), {
    variable: 'REDIS_CLUSTER_NODES',
    target: 'n1:7000,n2:7001',
  });
});
