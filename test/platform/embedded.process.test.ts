// The embedded shape as a user runs it: `npm start` on a fresh data directory, restarts, a second
// process on the same directory, a crash that leaves PGlite's pid file behind, and SIGTERM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { embeddedRunOnly } from '../helpers/app.ts';
import { runServiceExpectingExit, startService } from '../helpers/process.ts';

const embeddedEnv = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' });

describe('the embedded shape as a process', { skip: embeddedRunOnly }, () => {
  test('starts on a fresh data directory with generated secrets (0600), a warning, and keeps data and secrets over restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tw-embedded-'));
    const first = await startService(embeddedEnv(dataDir));
    try {
      const ready = await fetch(`${first.url}/ready`);
      assert.equal(ready.status, 200);
      assert.equal(first.output().split('development secrets generated').length - 1, 1, 'warned once');
      assert.equal(statSync(join(dataDir, 'secrets.json')).mode & 0o777, 0o600);
      assert.ok(existsSync(join(dataDir, 'pglite')));
    } finally {
      assert.equal(await first.stop(), 0);
    }
    assert.equal(existsSync(join(dataDir, 'tradewise.lock')), false, 'the lock is released on shutdown');

    const second = await startService(embeddedEnv(dataDir));
    try {
      assert.equal((await fetch(`${second.url}/health`)).status, 200);
      assert.doesNotMatch(second.output(), /migrations applied/, 'the schema was kept, nothing to migrate');
      // Issue 16: the warning said "generated" on every start. Reused, they are one info line.
      assert.doesNotMatch(second.output(), /development secrets generated/);
      const read = second
        .output()
        .split('\n')
        .filter((line) => line.includes("development secrets read from DATA_DIR's"));
      assert.equal(read.length, 1, second.output());
      assert.equal(JSON.parse(read[0] as string).level, 'info');
    } finally {
      await second.stop();
    }
  });

  test('what `npm start` runs — the bundle built by scripts/build.js — serves the API and the docs', async () => {
    const build = spawnSync(process.execPath, ['scripts/build.js'], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const dataDir = mkdtempSync(join(tmpdir(), 'tw-embedded-'));
    const service = await startService(embeddedEnv(dataDir), { bundle: true });
    try {
      assert.equal((await fetch(`${service.url}/ready`)).status, 200);
      assert.equal((await fetch(`${service.url}/docs/`)).status, 200);
      const registered = await fetch(`${service.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bundle@example.test', password: 'Bundled-Start-42!', full_name: 'B' }),
      });
      assert.equal(registered.status, 201);
    } finally {
      assert.equal(await service.stop(), 0);
    }
  });

  test('a second process on the same data directory fails fast naming the holder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tw-embedded-'));
    const holder = await startService(embeddedEnv(dataDir));
    try {
      const second = await runServiceExpectingExit(embeddedEnv(dataDir));
      assert.notEqual(second.code, 0);
      assert.match(second.output, new RegExp(`in use by process ${holder.child.pid}`));
      assert.equal((await fetch(`${holder.url}/ready`)).status, 200, 'the holder is unharmed');
    } finally {
      await holder.stop();
    }
  });

  test('after kill -9 the next start reclaims the stale lock and PGlite pid file and opens the data', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tw-embedded-'));
    const crashed = await startService(embeddedEnv(dataDir));
    await crashed.stop('SIGKILL');
    assert.ok(existsSync(join(dataDir, 'tradewise.lock')), 'the dead process left its lock');
    // What PGlite leaves behind after a crash: a pid file of a process that no longer exists.
    writeFileSync(join(dataDir, 'pglite', 'postmaster.pid'), '999999\n/tmp/pglite\n');
    const restarted = await startService(embeddedEnv(dataDir));
    try {
      assert.equal((await fetch(`${restarted.url}/ready`)).status, 200);
    } finally {
      assert.equal(await restarted.stop(), 0);
    }
  });

  test('a bad setting stops start-up with a message naming the variable', async () => {
    const result = await runServiceExpectingExit({ PORT_IGNORED: '', ACCESS_TOKEN_EXPIRE_MINUTES: 'soon' });
    assert.notEqual(result.code, 0);
    assert.match(result.output, /ACCESS_TOKEN_EXPIRE_MINUTES/);
  });

  test('production refuses to start without strong secrets and generates none', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tw-embedded-'));
    const result = await runServiceExpectingExit({
      ...embeddedEnv(dataDir),
      NODE_ENV: 'production',
      SECRET_KEY: 'short',
    });
    assert.notEqual(result.code, 0);
    assert.match(result.output, /SECRET_KEY/);
    assert.equal(existsSync(join(dataDir, 'secrets.json')), false);
  });
});
