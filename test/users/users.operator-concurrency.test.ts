// Operators created at the same time on a database that has none yet (two deploy scripts, two
// admins at once): each is created, in the one platform tenant. The platform tenant used to be
// checked, then inserted, so the second creation failed on its primary key ("duplicate key value
// violates unique constraint tenants_pkey"), as CI's server-shape run once showed. Needs a
// PostgreSQL of its own database (PGlite runs one transaction at a time: no race to lose).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createOperator, PLATFORM_TENANT_ID } from '../../src/features/users/operators.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { migrate } from '../../src/platform/db/index.ts';
import { createPostgresDatabase } from '../../src/platform/db/postgres.ts';

const base = process.env.DATABASE_URL;

describe('operators created at once', {
  skip: base ? false : 'needs DATABASE_URL (a real PostgreSQL)',
}, () => {
  const name = `tw_opsrace_${randomUUID().slice(0, 8)}`;
  let admin: pg.Client;
  let db: Database;

  before(async () => {
    admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base as string);
    url.pathname = `/${name}`;
    db = createPostgresDatabase({ url: url.toString(), poolSize: 6 });
    await migrate(db);
  });
  after(async () => {
    await db?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    // The runtime login role the migrator made for this database is cluster-wide.
    await admin?.query(`DROP ROLE IF EXISTS ${name}_runtime`);
    await admin?.end();
  });

  test('on a database with no platform tenant yet are each created, in that one tenant', async () => {
    const emails = Array.from({ length: 6 }, (_, i) => `op-${i}-${randomUUID().slice(0, 6)}@example.com`);
    const results = await Promise.all(
      emails.map((email) =>
        createOperator(db, { email, password: 'Operator-pass-1!', fullName: 'Op', cost: 4 }),
      ),
    );
    assert.deepEqual(
      results.map((result) => result.outcome),
      emails.map(() => 'created'),
    );
    const { rows } = await db.withOwner((q) =>
      q.query('SELECT tenant_id, count(*)::int AS n FROM users GROUP BY tenant_id'),
    );
    assert.deepEqual(rows, [{ tenant_id: PLATFORM_TENANT_ID, n: emails.length }]);
  });
});
