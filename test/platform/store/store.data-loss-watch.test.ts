// The data-loss watch: a Redis whose run_id changed (a new process: restarted, or a replica
// promoted) or whose marker key is gone (flushed, evicted) asks for a re-seed; one that kept both
// does not. Every master of a Cluster counts, including one it has not seen before.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createDataLossWatch,
  runIdOf,
  SEED_MARKER_KEY,
} from '../../../src/platform/store/data-loss-watch.ts';

const info = (runId: string) => `# Server\r\nredis_version:7.0.15\r\nrun_id:${runId}\r\ntcp_port:6379\r\n`;

function world(runIds: string[], markerKeys: string[] = [SEED_MARKER_KEY]) {
  const keys = new Set<string>();
  const losses: string[] = [];
  const nodes = runIds.map((_, i) => ({ info: async () => info(runIds[i] as string) }));
  const watch = createDataLossWatch({
    nodes: () => nodes,
    marker: {
      set: async (key: string) => keys.add(key),
      exists: async (key: string) => (keys.has(key) ? 1 : 0),
    },
    markerKeys: () => markerKeys,
    intervalMs: 3_600_000,
    canCheck: () => true,
    onLoss: (reason) => losses.push(reason),
  });
  return { keys, losses, watch, runIds };
}

describe('data-loss watch', () => {
  test('reads the run_id from INFO server', () => {
    assert.equal(runIdOf(info('0123abcd')), '0123abcd');
    assert.equal(runIdOf('# Server\r\nredis_version:7\r\n'), undefined);
  });

  test('a Redis that kept its marker and its run_id needs no re-seed', async () => {
    const w = world(['aaa', 'bbb']);
    await w.watch.markSeeded();
    assert.equal(await w.watch.check(), false);
    assert.deepEqual(w.losses, []);
    w.watch.close();
  });

  test('a changed run_id on any master asks for a re-seed', async () => {
    const w = world(['aaa', 'bbb']);
    await w.watch.markSeeded();
    w.runIds[1] = 'ccc';
    assert.equal(await w.watch.check(), true);
    assert.deepEqual(w.losses, ['run_id changed']);
    w.watch.close();
  });

  test('a missing marker key asks for a re-seed', async () => {
    const w = world(['aaa']);
    await w.watch.markSeeded();
    w.keys.delete(SEED_MARKER_KEY);
    assert.equal(await w.watch.check(), true);
    assert.deepEqual(w.losses, ['marker missing']);
    w.watch.close();
  });

  test('in a Cluster, the marker of one flushed master missing is enough', async () => {
    const w = world(['aaa', 'bbb', 'ccc'], ['state:seeded:{0}', 'state:seeded:{1}', 'state:seeded:{5}']);
    await w.watch.markSeeded();
    assert.equal(w.keys.size, 3);
    assert.equal(await w.watch.check(), false);
    w.keys.delete('state:seeded:{1}');
    assert.equal(await w.watch.check(), true);
    assert.deepEqual(w.losses, ['marker missing']);
    w.watch.close();
  });

  test('after a reshard a master left without a marker gets one; the moved ones still count', async () => {
    const layout = ['state:seeded:{0}', 'state:seeded:{1}'];
    const w = world(['aaa', 'bbb'], layout);
    await w.watch.markSeeded();
    layout[1] = 'state:seeded:{7}'; // {1}'s slot moved to the first master; the second needs a new one
    assert.equal(await w.watch.check(), false, 'a reshard is not a loss');
    assert.ok(w.keys.has('state:seeded:{7}'), 'the new marker is written');
    w.keys.delete('state:seeded:{1}');
    assert.equal(await w.watch.check(), true, 'a moved marker that disappears is a loss');
    w.watch.close();
  });
});
