// Issue 14 item 2: expired keys leave memory whether or not anyone reads them again, in the Redis
// store's local mirror and in the in-process store. The clock is injected, so "expired" needs no
// waiting; each test waits for the sweep's own report, never for a fixed delay.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIRRORED_PREFIXES } from '../../../src/mirrored-keys.ts';
import type { SweepReport } from '../../../src/platform/store/expiring-map.ts';
import { ExpiringMap } from '../../../src/platform/store/expiring-map.ts';
import { KeyMirror } from '../../../src/platform/store/key-mirror.ts';
import { createMemoryStore } from '../../../src/platform/store/memory.ts';

function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/**
 * A promise for the first sweep report that satisfies `done`, and the callback that feeds it. The
 * sweep timer is unref'd (it never keeps a process alive), so a ref'd timer holds the test's event
 * loop open meanwhile; it also fails the wait if no such sweep comes at all.
 */
function sweepWatch(done: (report: SweepReport) => boolean) {
  let resolve: (report: SweepReport) => void = () => {};
  let reject: (error: Error) => void = () => {};
  const reported = new Promise<SweepReport>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const guard = setTimeout(() => reject(new Error('no sweep reported the expected state')), 30_000);
  void reported.finally(() => clearTimeout(guard)).catch(() => {});
  return {
    reported,
    onSweep: (report: SweepReport) => {
      if (done(report)) resolve(report);
    },
  };
}

describe('expired keys are swept without being read (issue 14)', () => {
  test('the mirror drops revocations whose TTL passed, and keeps the live ones', async () => {
    const clock = manualClock();
    const watch = sweepWatch((r) => r.remaining === 2);
    const mirror = new KeyMirror(MIRRORED_PREFIXES, { now: clock.now, sweepIntervalMs: 5, ...watch });
    try {
      mirror.beginSnapshot();
      mirror.finishSnapshot([]);
      for (let i = 0; i < 50_000; i++) mirror.apply({ k: `revoked:jti:${i}`, v: '1', t: 1 });
      mirror.apply({ k: 'block:ip:198.51.100.9', v: '{}', t: 60_000 });
      mirror.apply({ k: 'inactive:user:u1', v: '1', t: null });
      assert.equal(mirror.size, 50_002);
      clock.advance(2);
      const report = await watch.reported;
      assert.equal(report.remaining, 2);
      assert.equal(mirror.size, 2);
      assert.equal(mirror.read('block:ip:198.51.100.9'), '{}');
      assert.equal(mirror.read('inactive:user:u1'), '1');
    } finally {
      mirror.close();
    }
  });

  test('the in-process store drops expired counters and keys that nobody reads again', async () => {
    const clock = manualClock();
    const watch = sweepWatch((r) => r.remaining === 1);
    const store = createMemoryStore({ now: clock.now, sweepIntervalMs: 5, ...watch });
    try {
      const ops = [];
      for (let i = 0; i < 20_000; i++) {
        ops.push({ op: 'set', key: `revoked:jti:${i}`, value: '1', ttlMs: 1 } as const);
        ops.push({ op: 'increment', key: `rl:login:${i}`, windowMs: 10 } as const);
      }
      await store.batch(ops);
      await store.set('inactive:user:u1', '1');
      clock.advance(11);
      const report = await watch.reported;
      assert.equal(report.removed, 40_000);
      assert.deepEqual(await store.keys(''), ['inactive:user:u1']);
    } finally {
      await store.close();
    }
  });

  test('re-setting, extending and deleting a key keep the expiry order right', () => {
    const clock = manualClock(0);
    const map = new ExpiringMap<string>(clock.now);
    map.set('a', '1', 10);
    map.set('b', '1', 20);
    map.set('c', '1', 30);
    map.set('a', '2', 40); // extended past b and c
    map.set('c', '2', 5); // brought forward
    map.set('b', '2', null); // no longer expires
    map.set('d', '1', 15);
    map.delete('d');
    clock.advance(6);
    assert.equal(map.sweep(), 1, 'only c had expired');
    assert.deepEqual([...map.keys()], ['a', 'b']);
    clock.advance(100);
    assert.equal(map.sweep(), 1, 'then a; b never expires');
    assert.equal(map.size, 1);
    assert.equal(map.get('b'), '2');
  });

  test('a sweep stops at the first live entry: its cost follows what expired, not what is held', () => {
    const clock = manualClock(0);
    const map = new ExpiringMap<number>(clock.now);
    for (let i = 0; i < 10_000; i++) map.set(`live:${i}`, i, 1_000_000 + i);
    for (let i = 0; i < 10; i++) map.set(`short:${i}`, i, 1 + i);
    clock.advance(5);
    assert.equal(map.sweep(), 5);
    clock.advance(100);
    assert.equal(map.sweep(3), 3, 'a limited pass removes at most its limit');
    assert.equal(map.size, 10_002);
  });
});
