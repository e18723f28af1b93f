// scripts/test-exit-guard.js: a test file whose tests are done but whose process stays alive fails
// (naming what is open) instead of holding its runner slot for ever; a file that exits is untouched.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { finished } from '../helpers/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-exit-guard-'));
const guard = resolve('scripts/test-exit-guard.js');

async function runFile(name: string, body: string) {
  const file = join(dir, name);
  writeFileSync(file, `import { test } from 'node:test';\n${body}\n`);
  const child = spawn(process.execPath, ['--import', guard, '--test', file], {
    env: { PATH: process.env.PATH, TEST_EXIT_GRACE_MS: '300' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Without the guard the leaking file would never end. SIGKILL (a SIGTERM would let the runner
  // end its run with the same exit code 1 the guard gives) leaves no exit code: the check fails.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    return await finished(child);
  } finally {
    clearTimeout(killer);
  }
}

describe('the test exit guard', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a file that leaves a handle open fails, naming it', async () => {
    const run = await runFile('leak.test.mjs', "test('leaks', () => { setInterval(() => {}, 1000); });");
    assert.equal(run.code, 1, 'the run ended by itself, failing');
    assert.match(run.stdout + run.stderr, /still running 0\.3 s after its last test; open: .*Timeout/);
  });

  test('a file that cleans up passes', async () => {
    const run = await runFile(
      'clean.test.mjs',
      "test('clean', () => { clearInterval(setInterval(() => {}, 1000)); });",
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });
});
