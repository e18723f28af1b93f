// Issue 14 item 2: 200,000 revocations with a 1 ms TTL, never read again, held +62 MB in the Redis
// store's mirror until the subscription reset. Each store shape loads them in a child process of
// its own (--expose-gc, so the heap can be measured after a full collection), waits for its sweep
// to report them gone, and must be back near the baseline.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { finished } from '../../helpers/process.ts';

const fixture = fileURLToPath(new URL('./fixtures/expiry-heap.ts', import.meta.url));
const MB = 1024 * 1024;

async function measure(shape: 'mirror' | 'memory') {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fixture, shape], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const { code, stdout, stderr } = await finished(child);
  clearTimeout(kill);
  assert.equal(code, 0, `the ${shape} run failed (or its sweep never came): ${stderr}`);
  return JSON.parse(stdout) as { baseline: number; loaded: number; after: number };
}

describe('memory returns to its baseline once 200,000 short-lived keys expire (issue 14)', () => {
  for (const [shape, name] of [
    ['mirror', "the Redis store's local mirror"],
    ['memory', 'the in-process store'],
  ] as const) {
    test(`${name}: tens of MB while held, under +10 MB after the sweep`, async () => {
      const heap = await measure(shape);
      // The load itself must have cost memory, or the test would prove nothing.
      assert.ok(
        heap.loaded - heap.baseline > 30 * MB,
        `loaded only +${(heap.loaded - heap.baseline) / MB} MB`,
      );
      assert.ok(
        heap.after - heap.baseline < 10 * MB,
        `still +${((heap.after - heap.baseline) / MB).toFixed(1)} MB after the sweep`,
      );
    });
  }
});
