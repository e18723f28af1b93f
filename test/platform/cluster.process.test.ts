// WORKERS > 1: one process per core sharing the port, the database and Redis.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { startService } from '../helpers/process.ts';

const serverShape = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

describe('workers', () => {
  test('more than one worker needs the server shape', () => {
    assert.throws(() => loadConfig({ WORKERS: '2' }), /^ConfigError: WORKERS:|WORKERS: more than one worker/);
  });

  test('two workers serve one port and stop gracefully together', {
    skip: serverShape ? false : 'needs DATABASE_URL and REDIS_URL',
  }, async () => {
    const service = await startService({
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: `tw-workers:${randomUUID()}:`,
      SECRET_KEY: randomBytes(32).toString('base64url'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATA_DIR: `/tmp/tw-workers-${randomUUID()}`,
      WORKERS: '2',
    });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async () => (await fetch(`${service.url}/ready`)).status),
      );
      assert.deepEqual(new Set(statuses), new Set([200]));
      const workers = execFileSync('pgrep', ['-P', String(service.child.pid), '-f', 'main'], {
        encoding: 'utf8',
      })
        .trim()
        .split('\n');
      assert.equal(workers.length, 2);
    } finally {
      assert.equal(await service.stop('SIGTERM'), 0);
    }
  });
});
