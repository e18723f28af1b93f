// `tradewise verify-audit` and `tradewise purge`, run as the operator would: a separate process
// against the configured storage (a PGlite data directory, or the test PostgreSQL database).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/platform/db/index.ts';
import { migrate } from '../../src/platform/db/index.ts';
import { createPgliteDatabase } from '../../src/platform/db/pglite.ts';
import { createTestDatabase, serverShape } from '../helpers/app.ts';
import type { Finished } from '../helpers/process.ts';
import { finished } from '../helpers/process.ts';
import { appendOldRecords } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';

async function cli(args: string[], dataDir: string): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ...(serverShape ? { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return finished(child);
}

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

describe(`audit command line (${shape})`, () => {
  const dataDir = `/tmp/tradewise-audit-cli-${randomUUID()}`;
  const tenantId = randomUUID();

  /** The embedded shape's database is a directory only one process may hold: open it per step. */
  async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const db = serverShape
      ? await createTestDatabase()
      : await createPgliteDatabase({ dataDir: `${dataDir}` });
    try {
      if (!serverShape) await migrate(db);
      return await work(db);
    } finally {
      await db.close();
    }
  }

  before(async () => {
    await withDb(async (db) => {
      await db.withTenant(tenantId, (tx) =>
        tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, 'cli']),
      );
      await appendOldRecords(db, tenantId, 3, 400);
      await appendOldRecords(db, tenantId, 2, 0);
    });
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('verify-audit --tenant reports an intact chain as JSON and exits 0', async () => {
    const { code, stdout } = await cli(['verify-audit', '--tenant', tenantId, '--json'], dataDir);
    assert.equal(code, 0);
    const [report] = lines(stdout);
    assert.deepEqual(
      [report.tenant_id, report.ok, report.checked, report.first_bad],
      [tenantId, true, 5, null],
    );
    assert.equal(report.head.seq, 5);
  });

  test('purge --older-than removes old records, keeps the chain verifiable and says what it did', async () => {
    const purge = await cli(['purge', '--older-than', '30', '--tenant', tenantId, '--json'], dataDir);
    assert.equal(purge.code, 0);
    const [summary] = lines(purge.stdout);
    assert.equal(summary.event, 'audit_purge');
    assert.equal(summary.older_than_days, 30);
    assert.deepEqual(summary.tenants, [
      { tenant_id: tenantId, audit_records_deleted: 3, security_events_deleted: 0, checkpoint_seq: 3 },
    ]);
    const verify = await cli(['verify-audit', '--tenant', tenantId, '--json'], dataDir);
    assert.equal(verify.code, 0);
    assert.deepEqual(
      [lines(verify.stdout)[0].ok, lines(verify.stdout)[0].checked, lines(verify.stdout)[0].checkpoint_seq],
      [true, 3, 3],
    );
  });

  test('verify-audit exits non-zero and names the first bad record when a record was altered', async () => {
    await withDb((db) =>
      db.withOwner((q) =>
        q.query("UPDATE audit_log SET ip = '198.51.100.9' WHERE tenant_id = $1 AND seq = 5", [tenantId]),
      ),
    );
    const { code, stdout } = await cli(['verify-audit', '--tenant', tenantId, '--json'], dataDir);
    assert.equal(code, 1);
    const [report] = lines(stdout);
    assert.deepEqual([report.ok, report.first_bad, report.reason], [false, 5, 'hash_mismatch']);
  });

  test('without --json both say what they found in words', async () => {
    const verify = await cli(['verify-audit', '--tenant', tenantId], dataDir);
    assert.equal(verify.code, 1);
    assert.match(
      verify.stdout,
      new RegExp(
        `^tenant ${tenantId}: FAILED at record 5 \\(hash_mismatch\\), head seq \\d+ hash [0-9a-f]+\n$`,
      ),
    );
    // The first purge left nothing past retention.
    const purge = await cli(['purge', '--older-than', '30', '--tenant', tenantId], dataDir);
    assert.equal(purge.code, 0, purge.stderr);
    assert.match(
      purge.stdout,
      /^purged what is older than 30 day\(s\) \(before \S+Z\)\nno tenant had records past retention\n$/,
    );
  });

  test('bad arguments are a usage error (64) that says what was wrong, then the usage; not a purge', async () => {
    for (const [args, reason] of [
      [
        ['purge', '--older-than', 'soon'],
        'tradewise purge: --older-than must be a whole number of days from 1 to 99999, got "soon"',
      ],
      [
        ['purge', '--older-than', '0'],
        'tradewise purge: --older-than must be a whole number of days from 1 to 99999, got "0"',
      ],
      [['purge', '--older-than'], 'tradewise purge: --older-than needs a value (<days>)'],
      [
        ['verify-audit', '--tenant', 'not-a-uuid'],
        `tradewise verify-audit: --tenant must be a tenant's id (a UUID), got "not-a-uuid"`,
      ],
      [['verify-audit', 'everything'], 'tradewise verify-audit: unexpected argument "everything"'],
    ]) {
      const run = await cli(args as string[], dataDir);
      assert.equal(run.code, 64, (args as string[]).join(' '));
      assert.ok(run.stderr.startsWith(`${reason}\n\nusage: tradewise ${(args as string[])[0]} `), run.stderr);
      assert.equal(run.stdout, '');
    }
  });
});
