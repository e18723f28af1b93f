// Issue 14, item 8: GET /admin/audit-log/verify costs what was appended since the last verified
// point, not the whole chain; the point is signed, so a database-only attacker who rewrites the
// history and the point cannot make the check pass; the full walk stays available to operators
// (GET /ops/audit-log/verify) and the command line, and checks the signed point too.
// Tampering is done as the database owner, bypassing the application.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditRecordRow } from '../../src/features/audit/audit.repository.ts';
import { toChainedRecord } from '../../src/features/audit/audit.repository.ts';
import { auditHash } from '../../src/features/audit/audit-chain.ts';
import type { TestApp } from '../helpers/app.ts';
import { serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { buildAuditApp, createBot, ownerAuditRows, verifyVia } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';

interface Verdict {
  ok: boolean;
  checked: number;
  first_bad: number | null;
  reason?: string;
  mode?: string;
  verified_from?: number | null;
  point_rejected?: string;
}

describe(`incremental audit verification (${shape})`, () => {
  let t: TestApp;
  before(async () => {
    t = await buildAuditApp();
  });
  after(() => t.close());

  const owner = (sql: string, params: unknown[]) => t.db.withOwner((q) => q.query(sql, params));

  async function bots(admin: TestIdentity, n: number): Promise<void> {
    for (let i = 0; i < n; i++) assert.equal((await createBot(t, admin)).statusCode, 201);
  }

  async function tenantWithRecords(n: number): Promise<TestIdentity> {
    const admin = await createTenantUser(t);
    await bots(admin, n);
    return admin;
  }

  const verify = async (admin: TestIdentity): Promise<Verdict> => {
    const { status, body } = await verifyVia(t, admin);
    assert.equal(status, 200);
    return body as Verdict;
  };

  async function fullVerify(tenantId: string): Promise<{ status: number; body: Verdict }> {
    const operator = await createTenantUser(t, { roles: ['operator'] });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/ops/audit-log/verify?tenant_id=${tenantId}`,
      headers: operator.headers,
    });
    return { status: res.statusCode, body: res.json() as Verdict };
  }

  /** Rewrites records from `fromSeq` on with recomputed hashes and moves the head: a consistent forgery. */
  async function rewriteChainFrom(tenantId: string, fromSeq: number, change: (row: AuditRecordRow) => void) {
    const rows = await ownerAuditRows(t, tenantId);
    let prev = rows[fromSeq - 2]?.hash ?? '0'.repeat(64);
    for (const row of rows.slice(fromSeq - 1)) {
      if (Number(row.seq) === fromSeq) change(row);
      const hash = auditHash(toChainedRecord(row), prev);
      await owner(
        'UPDATE audit_log SET action = $3, prev_hash = $4, hash = $5 WHERE tenant_id = $1 AND seq = $2',
        [tenantId, row.seq, row.action, prev, hash],
      );
      prev = hash;
    }
    await owner('UPDATE audit_chain_heads SET last_hash = $2 WHERE tenant_id = $1', [tenantId, prev]);
  }

  test('a second verification checks only the records appended since the first', async () => {
    const admin = await tenantWithRecords(5);
    const first = await verify(admin);
    assert.deepEqual([first.ok, first.checked, first.mode], [true, 5, 'full']);
    await bots(admin, 3);
    const second = await verify(admin);
    assert.deepEqual(
      [second.ok, second.checked, second.first_bad, second.mode, second.verified_from],
      [true, 3, null, 'incremental', 5],
    );
    const third = await verify(admin);
    assert.deepEqual([third.ok, third.checked, third.verified_from], [true, 0, 8]);
  });

  test('the incremental call detects a change to the verified record itself', async () => {
    const admin = await tenantWithRecords(4);
    assert.equal((await verify(admin)).ok, true);
    await owner("UPDATE audit_log SET actor_email = 'x@example.test' WHERE tenant_id = $1 AND seq = 4", [
      admin.tenantId,
    ]);
    const verdict = await verify(admin);
    assert.deepEqual([verdict.ok, verdict.first_bad, verdict.reason], [false, 4, 'hash_mismatch']);
  });

  test('the incremental call detects a change after the verified point', async () => {
    const admin = await tenantWithRecords(3);
    assert.equal((await verify(admin)).ok, true);
    await bots(admin, 3);
    await owner("UPDATE audit_log SET path = '/elsewhere' WHERE tenant_id = $1 AND seq = 5", [
      admin.tenantId,
    ]);
    const verdict = await verify(admin);
    assert.deepEqual([verdict.ok, verdict.first_bad, verdict.reason], [false, 5, 'hash_mismatch']);
  });

  test('a change before the verified point is left to the full verification, which finds it', async () => {
    const admin = await tenantWithRecords(5);
    assert.equal((await verify(admin)).ok, true);
    await owner("UPDATE audit_log SET ip = '203.0.113.66' WHERE tenant_id = $1 AND seq = 2", [
      admin.tenantId,
    ]);
    await bots(admin, 1);
    // The signed point vouches for records 1..5 as they were when it was made.
    assert.deepEqual([(await verify(admin)).ok, (await verify(admin)).mode], [true, 'incremental']);
    const full = await fullVerify(admin.tenantId);
    assert.equal(full.status, 200);
    assert.deepEqual(
      [full.body.ok, full.body.first_bad, full.body.reason, full.body.mode],
      [false, 2, 'hash_mismatch', 'full'],
    );
  });

  test('a history rewritten with recomputed hashes fails both checks against the signed point', async () => {
    const admin = await tenantWithRecords(4);
    assert.equal((await verify(admin)).ok, true);
    await rewriteChainFrom(admin.tenantId, 2, (row) => {
      row.action = 'bot.nothing_happened';
    });
    const incremental = await verify(admin);
    assert.deepEqual(
      [incremental.ok, incremental.first_bad, incremental.reason],
      [false, 4, 'verified_point_mismatch'],
    );
    const full = await fullVerify(admin.tenantId);
    assert.deepEqual(
      [full.body.ok, full.body.first_bad, full.body.reason],
      [false, 4, 'verified_point_mismatch'],
    );
  });

  test('records removed below the verified point, head moved back with them, are detected', async () => {
    const admin = await tenantWithRecords(5);
    assert.equal((await verify(admin)).ok, true);
    const rows = await ownerAuditRows(t, admin.tenantId);
    await owner('DELETE FROM audit_log WHERE tenant_id = $1 AND seq > 3', [admin.tenantId]);
    await owner('UPDATE audit_chain_heads SET last_seq = 3, last_hash = $2 WHERE tenant_id = $1', [
      admin.tenantId,
      rows[2]?.hash,
    ]);
    const verdict = await verify(admin);
    assert.deepEqual([verdict.ok, verdict.first_bad, verdict.reason], [false, 4, 'missing_records']);
  });

  test('a forged verified point (bad signature) is not trusted: the whole chain is walked', async () => {
    const admin = await tenantWithRecords(4);
    assert.equal((await verify(admin)).ok, true);
    await owner("UPDATE audit_log SET ip = '203.0.113.67' WHERE tenant_id = $1 AND seq = 2", [
      admin.tenantId,
    ]);
    // The attacker re-points the verified point at the tampered record's new hash.
    const rows = await ownerAuditRows(t, admin.tenantId);
    const record = rows[1] as AuditRecordRow;
    const forgedHash = auditHash(toChainedRecord(record), record.prev_hash);
    await owner('UPDATE audit_log SET hash = $2 WHERE tenant_id = $1 AND seq = 2', [
      admin.tenantId,
      forgedHash,
    ]);
    await owner('UPDATE audit_verified_points SET seq = 2, hash = $2 WHERE tenant_id = $1', [
      admin.tenantId,
      forgedHash,
    ]);
    const verdict = await verify(admin);
    assert.deepEqual(
      [verdict.ok, verdict.first_bad, verdict.mode, verdict.point_rejected],
      [false, 3, 'full', 'bad_signature'],
    );
  });

  test('after a forged point on an intact chain, one full walk restores a valid point', async () => {
    const admin = await tenantWithRecords(3);
    assert.equal((await verify(admin)).ok, true);
    await owner("UPDATE audit_verified_points SET mac = repeat('0', 64) WHERE tenant_id = $1", [
      admin.tenantId,
    ]);
    const walked = await verify(admin);
    assert.deepEqual(
      [walked.ok, walked.checked, walked.mode, walked.point_rejected],
      [true, 3, 'full', 'bad_signature'],
    );
    const next = await verify(admin);
    assert.deepEqual([next.ok, next.checked, next.mode], [true, 0, 'incremental']);
  });

  test('the full verification is for operators only: a tenant admin gets 403 and a security event', async () => {
    const admin = await tenantWithRecords(1);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/ops/audit-log/verify?tenant_id=${admin.tenantId}`,
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 403);
    const { rows } = await owner('SELECT event_type FROM security_events WHERE request_id = $1', [
      res.headers['x-request-id'],
    ]);
    assert.deepEqual(rows, [{ event_type: 'unauthorized_access_attempt' }]);
    const full = await fullVerify(admin.tenantId);
    assert.deepEqual([full.status, full.body.ok, full.body.checked, full.body.mode], [200, true, 1, 'full']);
  });

  test('the full verification refuses a malformed tenant id and says 404 for an unknown tenant', async () => {
    const operator = await createTenantUser(t, { roles: ['operator'] });
    const get = (query: string) =>
      t.app.inject({ method: 'GET', url: `/api/v1/ops/audit-log/verify${query}`, headers: operator.headers });
    assert.equal((await get('')).statusCode, 422);
    assert.equal((await get('?tenant_id=42')).statusCode, 422);
    assert.equal((await get('?tenant_id=6d3c1a5e-0000-4000-8000-000000000000')).statusCode, 404);
  });
});
