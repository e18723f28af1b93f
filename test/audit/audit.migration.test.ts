// Migration 0004 on a database that already holds audit records (none exist in production, but
// the migration must be correct anyway): the old records are numbered and sealed under a
// checkpoint, and new records chain on from them. Embedded shape only: it needs a database whose
// schema stops before 0004, and the server run shares one fully migrated database.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { appendAuditRecord } from '../../src/features/audit/audit.repository.ts';
import { verifyAuditChain } from '../../src/features/audit/audit-verify.ts';
import { migrate } from '../../src/platform/db/index.ts';
import { MIGRATIONS_DIR } from '../../src/platform/db/migrator.ts';
import { createPgliteDatabase } from '../../src/platform/db/pglite.ts';

describe('migration 0004 over existing audit records (PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-migrations-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('existing records get a sealed chain and a checkpoint, and new records chain on from it', async () => {
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f));
    for (const file of files.filter((f) => f < '0004'))
      copyFileSync(join(MIGRATIONS_DIR, file), join(dir, file));
    const db = await createPgliteDatabase({});
    try {
      await migrate(db, dir);
      const tenants = [randomUUID(), randomUUID()];
      for (const [n, tenantId] of tenants.entries()) {
        await db.withTenant(tenantId, async (tx) => {
          await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, `legacy ${n}`]);
          for (let i = 0; i < 3 + n; i++) {
            await tx.query(
              `INSERT INTO audit_log (tenant_id, method, route, path, status, request_id, action)
               VALUES ($1, 'POST', '/api/v1/bots', '/api/v1/bots', 201, $2, 'bot.create')`,
              [tenantId, randomUUID()],
            );
          }
        });
      }
      for (const file of files) copyFileSync(join(MIGRATIONS_DIR, file), join(dir, file));
      const { applied } = await migrate(db, dir);
      assert.ok(applied.some((name) => name.startsWith('0004_')));

      const [first, second] = tenants as [string, string];
      const { rows } = await db.withOwner((q) =>
        q.query<{ seq: number; prev_hash: string; hash: string }>(
          'SELECT seq, prev_hash, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq',
          [second],
        ),
      );
      assert.deepEqual(
        rows.map((r) => Number(r.seq)),
        [1, 2, 3, 4],
      );
      for (let i = 1; i < rows.length; i++) assert.equal(rows[i]?.prev_hash, rows[i - 1]?.hash);
      const sealed = await db.withOwner((q) => verifyAuditChain(q, second));
      assert.deepEqual([sealed.ok, sealed.checkpoint_seq, sealed.checked], [true, 4, 0]);

      await db.withTenant(first, (tx) =>
        appendAuditRecord(tx, {
          tenantId: first,
          actorUserId: null,
          actorEmail: null,
          ip: null,
          method: 'DELETE',
          route: '/api/v1/bots/:id',
          path: `/api/v1/bots/${randomUUID()}`,
          status: 204,
          requestId: randomUUID(),
          action: 'bot.delete',
          resourceType: 'bot',
          resourceId: null,
          changes: {},
        }),
      );
      const after = await db.withOwner((q) => verifyAuditChain(q, first));
      assert.deepEqual([after.ok, after.checkpoint_seq, after.checked, after.head?.seq], [true, 3, 1, 4]);
    } finally {
      await db.close();
    }
  });
});
