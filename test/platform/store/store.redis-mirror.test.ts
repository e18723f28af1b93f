// The Redis store's local mirror and deferred counters: what one instance writes, every instance
// answers without a round trip once its copy is in sync; counts converge across instances.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MIRRORED_PREFIXES } from '../../../src/mirrored-keys.ts';
import { createRedisStore } from '../../../src/platform/store/redis.ts';

const url = process.env.REDIS_URL;

async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await sleep(20);
  }
}

describe('Redis store mirror', { skip: url ? false : 'REDIS_URL is not set' }, () => {
  const prefix = `tw-mirror:${randomUUID()}:`;
  const a = createRedisStore({ mirroredPrefixes: MIRRORED_PREFIXES, url: url as string, keyPrefix: prefix });
  const b = createRedisStore({ mirroredPrefixes: MIRRORED_PREFIXES, url: url as string, keyPrefix: prefix });
  after(async () => {
    await a.close();
    await b.close();
  });

  test('a revocation written on one instance is answered by the other from its mirror', async () => {
    await until(() => a.stats().mirrorSynced && b.stats().mirrorSynced, 'both mirrors in sync');
    await a.set('revoked:jti:one', '1', 60_000);
    await until(async () => (await b.exists('revoked:jti:one')) === true, 'revocation seen by b');
    const before = b.stats();
    const results = await b.batch([
      { op: 'exists', key: 'revoked:jti:one' },
      { op: 'get', key: 'revoked:user:nobody' },
      { op: 'exists', key: 'block:ip:198.51.100.1' },
    ]);
    assert.deepEqual(results, [true, null, false]);
    const after = b.stats();
    assert.equal(after.roundTrips, before.roundTrips, 'no round trip');
    assert.equal(after.localBatches, before.localBatches + 1);
  });

  test('a deletion and an expiry reach the other instance too', async () => {
    await a.set('block:ip:198.51.100.2', '{}', 60_000);
    await until(async () => (await b.exists('block:ip:198.51.100.2')) === true, 'block seen');
    await a.delete('block:ip:198.51.100.2');
    await until(async () => (await b.exists('block:ip:198.51.100.2')) === false, 'unblock seen');
    await a.set('throttle:user:u1', 'x', 100);
    await until(async () => (await b.get('throttle:user:u1')) === 'x', 'throttle seen');
    await sleep(150);
    assert.equal(await b.get('throttle:user:u1'), null);
  });

  test("expired revocations leave the other instance's mirror without being read again (issue 14)", async () => {
    await until(() => a.stats().mirrorSynced && b.stats().mirrorSynced, 'both mirrors in sync');
    const held = b.stats().mirrorEntries;
    const ops = Array.from(
      { length: 2_000 },
      () => ({ op: 'set', key: `revoked:jti:${randomUUID()}`, value: '1', ttlMs: 2_000 }) as const,
    );
    await a.batch(ops);
    await until(() => b.stats().mirrorEntries >= held + 2_000, 'b mirrors the revocations');
    await until(() => b.stats().mirrorEntries <= held, "b's sweep drops them once expired");
  });

  test('an instance that starts later loads the existing keys before answering locally', async () => {
    await a.set('inactive:user:u2', '1');
    const late = createRedisStore({
      mirroredPrefixes: MIRRORED_PREFIXES,
      url: url as string,
      keyPrefix: prefix,
    });
    try {
      assert.equal(await late.exists('inactive:user:u2'), true, 'answered (from Redis or the mirror)');
      await until(() => late.stats().mirrorSynced, 'late mirror in sync');
      const before = late.stats().roundTrips;
      assert.equal(await late.exists('inactive:user:u2'), true);
      assert.equal(late.stats().roundTrips, before);
    } finally {
      await late.close();
    }
  });

  test('keys outside the mirrored prefixes always go to Redis', async () => {
    const before = b.stats().roundTrips;
    await b.get('rl:login:x:1');
    assert.equal(b.stats().roundTrips, before + 1);
  });

  test('approximate increments are counted locally and converge across instances', async () => {
    const key = `usage:${randomUUID()}:1`;
    const count = async (store: typeof a, by = 1) =>
      (
        (await store.batch([{ op: 'increment', key, windowMs: 60_000, approximate: true, by }]))[0] as {
          count: number;
        }
      ).count;
    assert.equal(await count(a), 1, 'counted locally at once');
    for (let i = 0; i < 4; i++) await count(b);
    await until(async () => Number(await a.get(key)) === 5, 'both instances flushed to Redis');
    await count(a);
    // After its next flush, an instance sees the calls the others made.
    await until(async () => (await count(a, 0)) === 6, 'a learns the global count');
  });

  test('increments with a limit stay local far below it and are counted in Redis near it', async () => {
    // Limit 80: an instance may hold 2 increments Redis has not confirmed; from a count of 72, none.
    const key = `usage:${randomUUID()}:1`;
    const op = { op: 'increment', key, windowMs: 60_000, approximate: true, limit: 80 } as const;
    const count = async (store: typeof a) => ((await store.batch([op]))[0] as { count: number }).count;
    // Three calls in one tick (no flush can come between them): two counted here, the third in
    // Redis, carrying the two.
    const trips = a.stats().roundTrips;
    const first = [a.batch([op]), a.batch([op])];
    assert.equal(a.stats().roundTrips, trips, 'within the allowance: no round trip');
    const third = a.batch([op]);
    assert.equal(a.stats().roundTrips, trips + 1, 'past the allowance: one round trip');
    assert.deepEqual(
      (await Promise.all([...first, third])).map((r) => (r[0] as { count: number }).count),
      [1, 2, 3],
    );
    for (let i = 0; i < 70; i++) await count(b);
    await until(async () => Number(await a.get(key)) === 73, 'every call counted once in Redis');
    // a learns the global count from Redis at its next call past the allowance, and from then on,
    // near the limit, every call is counted in Redis.
    let seen = 0;
    while (seen < 72) seen = await count(a);
    const before = a.stats().roundTrips;
    const counts = [await count(a), await count(a), await count(a)];
    assert.equal(a.stats().roundTrips, before + 3);
    assert.deepEqual(counts, [seen + 1, seen + 2, seen + 3]);
  });

  test('the mirror syncs even when the subscription connects before the command connection', async () => {
    // A loopback proxy to Redis that holds the first connection (the store's command connection,
    // opened first) for a while: the subscription is ready first, and the snapshot must wait.
    const target = new URL(url as string);
    let accepted = 0;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      const delay = accepted++ === 0 ? 700 : 0;
      client.pause();
      sockets.add(client);
      setTimeout(() => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        client.resume();
        const end = () => {
          client.destroy();
          upstream.destroy();
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      }, delay);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address() as { port: number };
    const slow = createRedisStore({
      mirroredPrefixes: MIRRORED_PREFIXES,
      url: `redis://127.0.0.1:${address.port}${target.pathname}`,
      keyPrefix: prefix,
      readyWaitMs: 2_000,
    });
    try {
      await until(() => slow.stats().mirrorSynced, 'mirror in sync', 5_000);
      const before = slow.stats().roundTrips;
      await slow.batch([{ op: 'exists', key: 'revoked:jti:nothing' }]);
      assert.equal(slow.stats().roundTrips, before, 'answered locally');
    } finally {
      await slow.close();
      for (const socket of sockets) socket.destroy();
      proxy.close();
    }
  });
});
