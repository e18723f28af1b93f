// `tradewise rotate-encryption-key`, run as the operator would: a separate process against the
// configured storage (a PGlite data directory, or the test PostgreSQL database with --tenant).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { botTokenAad } from '../../src/features/bots/bot-token.ts';
import { parseEncryptionKeys } from '../../src/platform/crypto/index.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { migrate } from '../../src/platform/db/index.ts';
import { createPgliteDatabase } from '../../src/platform/db/pglite.ts';
import { createTestDatabase, serverShape, TEST_SECRET_KEY } from '../helpers/app.ts';
import type { Finished } from '../helpers/process.ts';
import { finished } from '../helpers/process.ts';
import {
  NEW_KEY,
  newOnlyCipher,
  OLD_KEY,
  oldValue,
  SEED_KEY,
  SEED_VALUE,
  seedTenant,
} from './rotation.fixtures.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';
const dataDir = `/tmp/tradewise-rotation-cli-${randomUUID()}`;

async function cli(args: string[]): Promise<Finished> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'rotate-encryption-key', ...args],
    {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        SECRET_KEY: TEST_SECRET_KEY,
        ENCRYPTION_KEY: `${NEW_KEY},${OLD_KEY},${SEED_KEY}`,
        ...(serverShape ? { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return finished(child);
}

/** The embedded database is a directory only one process may hold: open it per step. */
async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const db = serverShape ? await createTestDatabase() : await createPgliteDatabase({ dataDir });
  try {
    if (!serverShape) await migrate(db);
    return await work(db);
  } finally {
    await db.close();
  }
}

describe(`rotate-encryption-key command line (${shape})`, () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('re-encrypts old-key and Fernet values, reports counts as JSON, and a second run finds all current', async () => {
    const { tenantId, bots } = await withDb((db) =>
      seedTenant(db, 4, (tenant, id, i) =>
        i === 3
          ? { token: 'bot-api-token-0123456789', value: SEED_VALUE }
          : { token: `cli-token-${i}-0123456789`, value: oldValue(tenant, id, `cli-token-${i}-0123456789`) },
      ),
    );
    // --tenant keeps the run to this test's rows when the database is shared with other test files.
    const first = await cli(['--tenant', tenantId, '--batch-size', '3', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.deepEqual(report, {
      key_id: parseEncryptionKeys([NEW_KEY]).primaryKid,
      re_encrypted: 4,
      already_current: 0,
      failed: 0,
      changed_meanwhile: 0,
      failed_bot_ids: [],
    });
    assert.match(first.stderr, /progress: 3 re-encrypted/);
    assert.ok(!`${first.stdout}${first.stderr}`.includes('cli-token-'));

    await withDb(async (db) => {
      const { rows } = await db.withTenant(tenantId, (tx) =>
        tx.query<{ id: string; v: string }>('SELECT id, api_token_encrypted AS v FROM bots'),
      );
      for (const bot of bots) {
        const value = rows.find((r) => r.id === bot.id)?.v as string;
        assert.equal(newOnlyCipher.decrypt(value, botTokenAad(tenantId, bot.id)), bot.token);
      }
    });

    const second = await cli(['--tenant', tenantId, '--json']);
    assert.equal(second.code, 0);
    assert.deepEqual(
      [JSON.parse(second.stdout).re_encrypted, JSON.parse(second.stdout).already_current],
      [0, 4],
    );
  });

  test('exits 1 and names the bot when a value cannot be opened with any configured key', async () => {
    const { tenantId, bots } = await withDb((db) =>
      seedTenant(db, 1, (tenant) => ({
        token: null,
        value: oldValue(tenant, randomUUID(), 'moved-0123456789'),
      })),
    );
    const run = await cli(['--tenant', tenantId, '--json']);
    assert.equal(run.code, 1);
    assert.deepEqual(JSON.parse(run.stdout).failed_bot_ids, [bots[0]?.id]);
    // Without --json the same, in words.
    const words = await cli(['--tenant', tenantId]);
    assert.equal(words.code, 1);
    assert.match(
      words.stdout,
      new RegExp(
        `^key \\S+: 0 re-encrypted, \\d+ already current, 0 changed meanwhile, 1 failed \\(bots ${bots[0]?.id}\\)\n$`,
      ),
    );
  });

  test('refuses bad options with what was wrong, then the usage line, and exit code 64', async () => {
    for (const [args, reason] of [
      [['--tenant', 'nope'], /--tenant must be a tenant's id \(a UUID\), got "nope"/],
      [['--batch-size', '0'], /--batch-size must be a whole number from 1 to 999999, got "0"/],
      [['--bogus'], /unknown option --bogus/],
    ] as const) {
      const run = await cli([...args]);
      assert.equal(run.code, 64, args.join(' '));
      assert.match(run.stderr, reason);
      assert.ok(run.stderr.indexOf('usage: tradewise rotate-encryption-key') > run.stderr.search(reason));
    }
  });
});
