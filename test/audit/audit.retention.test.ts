// Retention: purging old audit records and security events keeps every chain verifiable from a
// checkpoint, records that it ran, and never destroys the evidence of a tampered chain.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { purgeAuditTrail } from '../../src/features/audit/audit-retention.ts';
import { verifyAuditChain } from '../../src/features/audit/audit-verify.ts';
import type { Database, Queryable } from '../../src/platform/db/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import {
  appendOldRecords,
  buildAuditApp,
  createBot,
  DAY_MS,
  ownerAuditRows,
  verifyVia,
} from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';

async function insertEvent(db: Database, tenantId: string | null, daysAgo: number, type = 'login_failed') {
  await db.withOwner((q) =>
    q.query(
      `INSERT INTO security_events (tenant_id, occurred_at, event_type, severity, request_id)
       VALUES ($1, $2, $3, 'medium', $4)`,
      [tenantId, new Date(Date.now() - daysAgo * DAY_MS).toISOString(), type, `retention-${randomUUID()}`],
    ),
  );
}

async function countEvents(db: Database, tenantId: string): Promise<number> {
  const { rows } = await db.withOwner((q) =>
    q.query<{ n: number }>('SELECT count(*)::int AS n FROM security_events WHERE tenant_id = $1', [tenantId]),
  );
  return Number(rows[0]?.n);
}

describe(`audit retention (${shape})`, () => {
  let t: TestApp;
  before(async () => {
    t = await buildAuditApp();
  });
  after(() => t.close());

  async function tenantWithHistory(): Promise<TestIdentity> {
    const admin = await createTenantUser(t);
    await appendOldRecords(t.db, admin.tenantId, 5, 400);
    for (let i = 0; i < 3; i++) assert.equal((await createBot(t, admin)).statusCode, 201);
    await insertEvent(t.db, admin.tenantId, 400);
    await insertEvent(t.db, admin.tenantId, 1);
    return admin;
  }

  test('purging removes records past retention and the chain still verifies from the checkpoint', async () => {
    const admin = await tenantWithHistory();
    const before = await ownerAuditRows(t, admin.tenantId);
    const report = await purgeAuditTrail(t.db, { olderThanDays: 365, tenantId: admin.tenantId });
    assert.deepEqual(report.tenants, [
      { tenant_id: admin.tenantId, audit_records_deleted: 5, security_events_deleted: 1, checkpoint_seq: 5 },
    ]);
    const rows = await ownerAuditRows(t, admin.tenantId);
    assert.deepEqual(
      rows.map((r) => Number(r.seq)),
      [6, 7, 8, 9],
    );
    assert.equal(rows[0]?.prev_hash, before[4]?.hash);
    assert.equal(await countEvents(t.db, admin.tenantId), 1);
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.checked, body.first_bad], [true, 4, null]);
    assert.equal((body as { checkpoint_seq?: number }).checkpoint_seq, 5);
  });

  test('the purge is itself an audit record in the tenant chain, visible to its admins', async () => {
    const admin = await tenantWithHistory();
    await purgeAuditTrail(t.db, { olderThanDays: 365, tenantId: admin.tenantId });
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/audit-log?action=audit.purge',
      headers: admin.headers,
    });
    const [record] = res.json().items;
    assert.equal(record.seq, 9);
    assert.equal(record.method, 'CLI');
    assert.equal(record.changes.audit_records_deleted, 5);
    assert.equal(record.changes.security_events_deleted, 1);
    assert.equal(record.changes.checkpoint_seq, 5);
    assert.equal(record.changes.older_than_days, 365);
  });

  test('purging again, and appending after a purge, keep the chain verifiable', async () => {
    const admin = await tenantWithHistory();
    await purgeAuditTrail(t.db, { olderThanDays: 365, tenantId: admin.tenantId });
    const second = await purgeAuditTrail(t.db, { olderThanDays: 365, tenantId: admin.tenantId });
    assert.deepEqual(second.tenants, []);
    assert.equal((await createBot(t, admin)).statusCode, 201);
    // Everything is older than a cutoff in the future: the whole retained chain goes.
    const all = await purgeAuditTrail(t.db, {
      olderThanDays: 0,
      cutoff: new Date(Date.now() + DAY_MS),
      tenantId: admin.tenantId,
    });
    assert.equal(all.tenants[0]?.checkpoint_seq, 10);
    assert.equal((await createBot(t, admin)).statusCode, 201);
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.checked], [true, 2]);
  });

  test('requests appending during a purge still form one linear chain', async () => {
    const admin = await tenantWithHistory();
    const [, ...responses] = await Promise.all([
      purgeAuditTrail(t.db, { olderThanDays: 365, tenantId: admin.tenantId }),
      ...Array.from({ length: 20 }, () => createBot(t, admin)),
    ]);
    assert.ok(responses.every((r) => r.statusCode === 201));
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.checked], [true, 24]);
  });

  test('a purge that runs in the middle of a verification does not make it report deleted records', async () => {
    const admin = await tenantWithHistory();
    let purged = false;
    const verdict = await t.db.withOwner((q) =>
      verifyAuditChain(
        {
          async query(sql, params) {
            // The purge lands after the head was read, just before the first page of records.
            if (!purged && sql.includes('ORDER BY seq LIMIT')) {
              purged = true;
              await purgeAuditTrail(t.db, { olderThanDays: 365, tenantId: admin.tenantId });
            }
            return q.query(sql, params);
          },
        } as Queryable,
        admin.tenantId,
      ),
    );
    assert.ok(purged);
    assert.deepEqual([verdict.ok, verdict.checkpoint_seq, verdict.checked], [true, 5, 4]);
  });

  test('a tenant whose chain does not verify is left alone: its records are evidence', async () => {
    const admin = await tenantWithHistory();
    await t.db.withOwner((q) =>
      q.query("UPDATE audit_log SET action = 'bot.nothing' WHERE tenant_id = $1 AND seq = 2", [
        admin.tenantId,
      ]),
    );
    const report = await purgeAuditTrail(t.db, { olderThanDays: 365, tenantId: admin.tenantId });
    assert.deepEqual(report.tenants, [
      {
        tenant_id: admin.tenantId,
        audit_records_deleted: 0,
        security_events_deleted: 0,
        checkpoint_seq: null,
        skipped: 'chain_invalid',
        first_bad: 2,
      },
    ]);
    assert.equal((await ownerAuditRows(t, admin.tenantId)).length, 8);
    assert.equal(await countEvents(t.db, admin.tenantId), 2);
  });

  test('a platform-wide purge also removes old pre-login events and keeps recent ones', async () => {
    const marker = `retention-${randomUUID()}`;
    const ids = async () =>
      (
        await t.db.withOwner((q) =>
          q.query<{ event_type: string }>('SELECT event_type FROM security_events WHERE event_type LIKE $1', [
            `${marker}%`,
          ]),
        )
      ).rows.map((r) => r.event_type);
    await insertEvent(t.db, null, 4000, `${marker}-old`);
    await insertEvent(t.db, null, 1, `${marker}-new`);
    // 3650 days: nothing any other test made is that old, so sharing the database is safe.
    const report = await purgeAuditTrail(t.db, { olderThanDays: 3650 });
    assert.ok(report.pre_login_security_events_deleted >= 1);
    assert.deepEqual(await ids(), [`${marker}-new`]);
  });
});
