import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { migrate } from '../../../src/platform/db/index.ts';
import { MIGRATIONS_DIR, readMigrations } from '../../../src/platform/db/migrator.ts';
import { createPgliteDatabase } from '../../../src/platform/db/pglite.ts';

describe('migrations', () => {
  test('are numbered uniquely and each applies once; a second run applies nothing', async () => {
    const db = await createPgliteDatabase({});
    try {
      const all = readMigrations().map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`);
      assert.deepEqual((await migrate(db)).applied, all);
      assert.deepEqual((await migrate(db)).applied, []);
    } finally {
      await db.close();
    }
  });

  test('an applied migration that was edited afterwards stops start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-migrations-'));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const db = await createPgliteDatabase({});
    try {
      await migrate(db, dir);
      writeFileSync(join(dir, '0001_tenancy.sql'), '-- edited\nSELECT 1;');
      await assert.rejects(migrate(db, dir), /changed after it was applied/);
    } finally {
      await db.close();
    }
  });

  test('a failing migration is rolled back whole and named in the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-migrations-'));
    writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE first_one (id int);');
    writeFileSync(join(dir, '0002_broken.sql'), 'CREATE TABLE half_done (id int); SELECT * FROM nowhere;');
    const db = await createPgliteDatabase({});
    try {
      await assert.rejects(migrate(db, dir), /0*2_broken|2_broken/);
      const tables = await db.withOwner((q) =>
        q.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'half_done'"),
      );
      assert.equal(tables.rows[0]?.n, 0);
    } finally {
      await db.close();
    }
  });
});
