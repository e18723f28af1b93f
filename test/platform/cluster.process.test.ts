// WORKERS > 1: one process per core sharing the port, the database and Redis.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config.ts';
import { startService } from '../helpers/process.ts';

const serverShape = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

const workersEnv = (name: string) => ({
  DATABASE_URL: process.env.DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL,
  REDIS_KEY_PREFIX: `tw-${name}:${randomUUID()}:`,
  SECRET_KEY: randomBytes(32).toString('base64url'),
  ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  DATA_DIR: `/tmp/tw-${name}-${randomUUID()}`,
  WORKERS: '2',
});

/** A GET on a connection of its own, so that the primary hands each to the next worker. */
function getAlone(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('workers', () => {
  test('more than one worker needs the server shape', () => {
    assert.throws(() => loadConfig({ WORKERS: '2' }), /^ConfigError: WORKERS:|WORKERS: more than one worker/);
  });

  test('two workers serve one port and stop gracefully together', {
    skip: serverShape ? false : 'needs DATABASE_URL and REDIS_URL',
  }, async () => {
    const service = await startService(workersEnv('workers'));
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async () => (await fetch(`${service.url}/ready`)).status),
      );
      assert.deepEqual(new Set(statuses), new Set([200]));
      // Only the workers: tsx may have started an esbuild service under the primary too.
      const workers = execFileSync('pgrep', ['-P', String(service.child.pid), '-f', 'src/main\\.ts'], {
        encoding: 'utf8',
      })
        .trim()
        .split('\n');
      assert.equal(workers.length, 2);
    } finally {
      assert.equal(await service.stop('SIGTERM'), 0);
    }
  });

  test('with WORKERS=2 every process logs JSON, and secrets generated on a first start are reported once', {
    skip: serverShape ? false : 'needs DATABASE_URL and REDIS_URL',
  }, async () => {
    // Issue 16: the primary wrote plain text among the workers' JSON, and each worker reported
    // "development secrets generated" (the second one having only read the file).
    const { SECRET_KEY: _s, ENCRYPTION_KEY: _e, ...withoutSecrets } = workersEnv('worker-log');
    const service = await startService(withoutSecrets, { readyLines: 2 });
    assert.equal(await service.stop('SIGTERM'), 0);
    const lines = service
      .output()
      .split('\n')
      .filter((line) => line !== '');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
    const parsed = lines.map((line) => JSON.parse(line) as { message: string; level: string });
    assert.equal(parsed.filter((line) => line.message.startsWith('development secrets generated')).length, 1);
    assert.equal(parsed.filter((line) => line.message.startsWith('development secrets read')).length, 0);
    assert.ok(
      parsed.some((line) => line.message === 'SIGTERM: stopping 2 workers' && line.level === 'info'),
      "the primary's own line is JSON too",
    );
  });

  test('each scrape of /metrics counts what every worker served, scrape after scrape', {
    skip: serverShape ? false : 'needs DATABASE_URL and REDIS_URL',
  }, async () => {
    // Issue 13: each scrape was one worker's counters (counts went 2, 3, 3, 4, 4, 5).
    // Both workers ready (a ready line each), so that every scrape finds two of them.
    const service = await startService(workersEnv('worker-metrics'), { readyLines: 2 });
    try {
      const healthCount = async (): Promise<number> => {
        const res = await getAlone(`${service.url}/metrics`);
        assert.equal(res.status, 200, res.body);
        const line = /^http_request_duration_seconds_count\{[^}]*route="\/health"[^}]*\} (\d+)$/m.exec(
          res.body,
        );
        return Number(line?.[1] ?? 0);
      };
      const seen: number[] = [];
      let served = 0;
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 6; i++) {
          assert.equal((await getAlone(`${service.url}/health`)).status, 200);
          served++;
        }
        // A worker records a request as its response finishes: wait for the last one, no longer.
        let count = await healthCount();
        const until = Date.now() + 10_000;
        while (count < served && Date.now() < until) {
          seen.push(count);
          await sleep(20);
          count = await healthCount();
        }
        seen.push(count);
        assert.equal(count, served, `last scrapes: ${seen.slice(-12).join(', ')}`);
      }
      for (let i = 1; i < seen.length; i++) {
        assert.ok((seen[i] as number) >= (seen[i - 1] as number), `monotonic: ${seen.join(', ')}`);
      }
    } finally {
      assert.equal(await service.stop('SIGTERM'), 0);
    }
  });
});
