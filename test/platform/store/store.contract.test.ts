// One suite, every implementation: the in-process store always, Redis when REDIS_URL is set, and a
// private Redis Cluster (3 masters) and Sentinel set when redis-server / redis-sentinel are installed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MIRRORED_PREFIXES } from '../../../src/mirrored-keys.ts';
import type { StateStore } from '../../../src/platform/store/index.ts';
import { StoreUnavailableError } from '../../../src/platform/store/index.ts';
import { createMemoryStore } from '../../../src/platform/store/memory.ts';
import { createRedisStore } from '../../../src/platform/store/redis.ts';
import {
  clusterMissing,
  sentinelMissing,
  startRedisCluster,
  startSentinelSet,
} from '../../helpers/redis-topology.ts';

interface Implementation {
  store: StateStore;
  stop?: () => Promise<void>;
}

const prefix = () => `tw-test:${randomUUID()}:`;
const implementations: [string, () => Promise<Implementation>][] = [
  ['in-process', async () => ({ store: createMemoryStore() })],
];
if (process.env.REDIS_URL) {
  implementations.push([
    'Redis',
    async () => ({
      store: createRedisStore({
        mirroredPrefixes: MIRRORED_PREFIXES,
        url: process.env.REDIS_URL as string,
        keyPrefix: prefix(),
      }),
    }),
  ]);
} else {
  test('Redis state store suite', { skip: 'REDIS_URL is not set' }, () => {});
}
if (clusterMissing === undefined) {
  implementations.push([
    'Redis Cluster',
    async () => {
      const cluster = await startRedisCluster();
      const store = createRedisStore({
        mirroredPrefixes: MIRRORED_PREFIXES,
        topology: { kind: 'cluster', nodes: cluster.nodes },
        keyPrefix: prefix(),
      });
      return { store, stop: cluster.stop };
    },
  ]);
} else {
  test('Redis Cluster state store suite', { skip: clusterMissing }, () => {});
}
if (sentinelMissing === undefined) {
  implementations.push([
    'Redis Sentinel',
    async () => {
      const set = await startSentinelSet();
      const store = createRedisStore({
        mirroredPrefixes: MIRRORED_PREFIXES,
        topology: { kind: 'sentinel', sentinels: set.sentinels, name: set.name },
        keyPrefix: prefix(),
      });
      return { store, stop: set.stop };
    },
  ]);
} else {
  test('Redis Sentinel state store suite', { skip: sentinelMissing }, () => {});
}

for (const [name, create] of implementations) {
  describe(`${name} state store`, { timeout: 120_000 }, () => {
    let store: StateStore;
    let stop: (() => Promise<void>) | undefined;
    before(async () => {
      ({ store, stop } = await create());
    });
    after(async () => {
      await store?.close();
      await stop?.();
    });

    test('get returns what set stored, and null for a missing key', async () => {
      await store.set('a', 'one');
      assert.equal(await store.get('a'), 'one');
      assert.equal(await store.get('missing'), null);
    });

    test('a value set with a TTL disappears after it', async () => {
      await store.set('short', 'v', 400);
      assert.equal(await store.exists('short'), true);
      const ttl = await store.ttl('short');
      assert.ok(ttl !== null && ttl > 0 && ttl <= 400);
      await sleep(700);
      assert.equal(await store.exists('short'), false);
      assert.equal(await store.get('short'), null);
    });

    test('a value set without a TTL has none', async () => {
      await store.set('forever', 'v');
      assert.equal(await store.ttl('forever'), null);
    });

    test('delete removes a key', async () => {
      await store.set('gone', 'v');
      await store.delete('gone');
      assert.equal(await store.exists('gone'), false);
    });

    test('increment counts within a fixed window whose TTL later increments do not extend', async () => {
      const first = await store.increment('counter', 200);
      assert.equal(first.count, 1);
      assert.ok(first.ttlMs > 0 && first.ttlMs <= 200);
      await sleep(60);
      const second = await store.increment('counter', 200, 2);
      assert.equal(second.count, 3);
      assert.ok(second.ttlMs <= 200 - 40, `ttl ${second.ttlMs} should not have been reset`);
      await sleep(200);
      const fresh = await store.increment('counter', 200);
      assert.equal(fresh.count, 1);
    });

    test('concurrent increments are atomic', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => store.increment('race', 10_000)));
      const counts = results.map((r) => r.count).sort((x, y) => x - y);
      assert.deepEqual(
        counts,
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    });

    test('batch runs several operations and returns their results in order', async () => {
      await store.set('b1', 'x');
      const results = await store.batch([
        { op: 'get', key: 'b1' },
        { op: 'exists', key: 'b-missing' },
        { op: 'increment', key: 'b-count', windowMs: 10_000 },
        { op: 'set', key: 'b2', value: 'y', ttlMs: 10_000 },
        { op: 'exists', key: 'b2' },
        { op: 'delete', key: 'b1' },
        { op: 'get', key: 'b1' },
      ]);
      assert.equal(results[0], 'x');
      assert.equal(results[1], false);
      assert.equal((results[2] as { count: number }).count, 1);
      assert.equal(results[4], true);
      assert.equal(results[6], null);
      assert.deepEqual(await store.batch([]), []);
    });

    test('keys lists live keys under a prefix only', async () => {
      await store.set('block:1.2.3.4', '1', 10_000);
      await store.set('block:5.6.7.8', '1', 10_000);
      await store.set('other:1', '1', 10_000);
      assert.deepEqual((await store.keys('block:')).sort(), ['block:1.2.3.4', 'block:5.6.7.8']);
    });

    test('a batch of keys on many slots (and nodes) runs and answers in order', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `spread:${i}:${randomUUID()}`);
      await store.batch(keys.map((key, i) => ({ op: 'set', key, value: String(i), ttlMs: 60_000 })));
      const read = await store.batch(keys.map((key) => ({ op: 'get', key })));
      assert.deepEqual(
        read,
        keys.map((_, i) => String(i)),
      );
      const counted = await store.batch(
        keys.map((key) => ({ op: 'increment', key: `${key}:n`, windowMs: 60_000 })),
      );
      assert.deepEqual(
        counted.map((c) => (c as { count: number }).count),
        keys.map(() => 1),
      );
    });

    test('ping answers while the store is up', async () => {
      await store.ping();
    });
  });
}

test('an unreachable Redis fails fast with StoreUnavailableError instead of hanging', async () => {
  const store = createRedisStore({
    mirroredPrefixes: MIRRORED_PREFIXES,
    url: 'redis://127.0.0.1:1',
    keyPrefix: 'x:',
    commandTimeoutMs: 200,
  });
  try {
    await assert.rejects(store.get('k'), StoreUnavailableError);
    await assert.rejects(store.batch([{ op: 'exists', key: 'k' }]), StoreUnavailableError);
    await assert.rejects(store.ping(), StoreUnavailableError);
  } finally {
    await store.close();
  }
});
