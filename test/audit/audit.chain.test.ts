// The audit chain under concurrency and against tampering, in whichever storage shape the
// environment selects. Tampering is done as the database owner (the runtime role cannot UPDATE or
// DELETE audit records at all), which is exactly the attacker the chain is there to expose.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyAuditChain } from '../../src/features/audit/audit-verify.ts';
import type { TestApp } from '../helpers/app.ts';
import { serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { buildAuditApp, createBot, ownerAuditRows, verifyVia } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';

describe(`audit chain (${shape})`, () => {
  let t: TestApp;
  before(async () => {
    t = await buildAuditApp();
  });
  after(() => t.close());

  /** A tenant with `n` bots created, hence `n` audit records. */
  async function tenantWithRecords(n: number): Promise<TestIdentity> {
    const admin = await createTenantUser(t);
    for (let i = 0; i < n; i++) assert.equal((await createBot(t, admin)).statusCode, 201);
    return admin;
  }

  const owner = (sql: string, params: unknown[]) => t.db.withOwner((q) => q.query(sql, params));

  test('200 concurrent mutating requests give exactly 200 audit records in one gap-free valid chain', async () => {
    const admin = await createTenantUser(t);
    const other = await createTenantUser(t);
    // Another tenant writes at the same time: its chain is separate and must not interleave.
    const responses = await Promise.all([
      ...Array.from({ length: 200 }, () => createBot(t, admin)),
      ...Array.from({ length: 20 }, () => createBot(t, other)),
    ]);
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      Array(220).fill(201),
    );
    const rows = await ownerAuditRows(t, admin.tenantId);
    assert.equal(rows.length, 200);
    assert.deepEqual(
      rows.map((r) => Number(r.seq)),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    for (let i = 1; i < rows.length; i++) assert.equal(rows[i]?.prev_hash, rows[i - 1]?.hash);
    const botIds = new Set(responses.slice(0, 200).map((r) => r.json().id));
    assert.deepEqual(new Set(rows.map((r) => r.resource_id)), botIds);
    assert.deepEqual(await verifyVia(t, admin), {
      status: 200,
      body: {
        ok: true,
        checked: 200,
        first_bad: null,
        checkpoint_seq: null,
        head: { seq: 200, hash: rows[199]?.hash },
        mode: 'full',
        verified_from: null,
      },
    });
    assert.equal((await verifyVia(t, other)).body.checked, 20);
  });

  test('changing one field of one record is detected at that record', async () => {
    const admin = await tenantWithRecords(5);
    await owner(
      "UPDATE audit_log SET actor_email = 'someone-else@example.test' WHERE tenant_id = $1 AND seq = 3",
      [admin.tenantId],
    );
    const { body } = await verifyVia(t, admin);
    assert.equal(body.ok, false);
    assert.equal(body.first_bad, 3);
    assert.equal(body.reason, 'hash_mismatch');
    assert.equal(body.checked, 2);
  });

  test('changing the recorded changes (jsonb) of a record is detected', async () => {
    const admin = await tenantWithRecords(3);
    await owner(`UPDATE audit_log SET changes = '{"fields": []}' WHERE tenant_id = $1 AND seq = 1`, [
      admin.tenantId,
    ]);
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.first_bad, body.reason], [false, 1, 'hash_mismatch']);
  });

  test('a record rewritten with a recomputed own hash still breaks the link to the next record', async () => {
    const admin = await tenantWithRecords(4);
    // The attacker changes record 2 and gives it a plausible new hash without rewriting record 3.
    await owner("UPDATE audit_log SET action = 'bot.nothing', hash = $2 WHERE tenant_id = $1 AND seq = 2", [
      admin.tenantId,
      'f'.repeat(64),
    ]);
    const { body } = await verifyVia(t, admin);
    assert.equal(body.ok, false);
    assert.equal(body.first_bad, 2);
  });

  test('deleting a record in the middle is detected as a gap at the deleted position', async () => {
    const admin = await tenantWithRecords(5);
    await owner('DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 2', [admin.tenantId]);
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.first_bad, body.reason, body.checked], [false, 2, 'sequence_gap', 1]);
  });

  test('deleting the newest records is detected against the chain head', async () => {
    const admin = await tenantWithRecords(4);
    await owner('DELETE FROM audit_log WHERE tenant_id = $1 AND seq >= 3', [admin.tenantId]);
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.first_bad, body.reason], [false, 3, 'missing_records']);
  });

  test('deleting the first record is detected', async () => {
    const admin = await tenantWithRecords(3);
    await owner('DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 1', [admin.tenantId]);
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.first_bad, body.reason], [false, 1, 'sequence_gap']);
  });

  test('reordering two records (swapping their positions) is detected', async () => {
    const admin = await tenantWithRecords(5);
    // The unique (tenant_id, seq) index is checked per row, so go through a free position first.
    await owner('UPDATE audit_log SET seq = -2 WHERE tenant_id = $1 AND seq = 2', [admin.tenantId]);
    await owner('UPDATE audit_log SET seq = 2 WHERE tenant_id = $1 AND seq = 4', [admin.tenantId]);
    await owner('UPDATE audit_log SET seq = 4 WHERE tenant_id = $1 AND seq = -2', [admin.tenantId]);
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.first_bad, body.reason], [false, 2, 'broken_link']);
  });

  test('moving a record to another tenant breaks both chains', async () => {
    const a = await tenantWithRecords(3);
    const b = await tenantWithRecords(3);
    await owner('UPDATE audit_log SET tenant_id = $2, seq = 4 WHERE tenant_id = $1 AND seq = 3', [
      a.tenantId,
      b.tenantId,
    ]);
    assert.deepEqual((await verifyVia(t, a)).body.reason, 'missing_records');
    const bResult = await t.db.withOwner((q) => verifyAuditChain(q, b.tenantId));
    assert.deepEqual([bResult.ok, bResult.first_bad, bResult.reason], [false, 4, 'record_beyond_head']);
    // Even with b's head moved forward to cover it, the foreign record does not link.
    await owner('UPDATE audit_chain_heads SET last_seq = 4 WHERE tenant_id = $1', [b.tenantId]);
    const forged = await t.db.withOwner((q) => verifyAuditChain(q, b.tenantId));
    assert.deepEqual([forged.ok, forged.first_bad], [false, 4]);
  });

  test('a record the runtime role inserts around the chain (not through the head) is detected', async () => {
    const admin = await tenantWithRecords(2);
    await t.db.withTenant(admin.tenantId, (tx) =>
      tx.query(
        `INSERT INTO audit_log (tenant_id, seq, prev_hash, hash, method, route, path, status, request_id, action)
         VALUES ($1, 3, 'x', 'y', 'POST', '/x', '/x', 201, 'forged', 'bot.create')`,
        [admin.tenantId],
      ),
    );
    const { body } = await verifyVia(t, admin);
    assert.deepEqual([body.ok, body.first_bad, body.reason], [false, 3, 'record_beyond_head']);
  });

  test('the runtime role cannot update or delete audit records', async () => {
    const admin = await tenantWithRecords(1);
    for (const sql of [
      'UPDATE audit_log SET action = $2 WHERE tenant_id = $1',
      'DELETE FROM audit_log WHERE tenant_id = $1 AND $2 = $2',
    ]) {
      await assert.rejects(
        t.db.withTenant(admin.tenantId, (tx) => tx.query(sql, [admin.tenantId, 'x'])),
        (error: { code?: string }) => error.code === '42501',
      );
    }
    assert.equal((await verifyVia(t, admin)).body.ok, true);
  });

  test('verification is for admins only: a plain user gets 403 and an unauthorized_access_attempt event', async () => {
    const admin = await createTenantUser(t);
    const user = await createTenantUser(t, { tenantId: admin.tenantId, roles: ['user'] });
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/audit-log/verify',
      headers: user.headers,
    });
    assert.equal(res.statusCode, 403);
    const requestId = res.headers['x-request-id'];
    const events = await t.app.inject({
      method: 'GET',
      url: `/api/v1/admin/security-events?event_type=unauthorized_access_attempt&request_id=${requestId}`,
      headers: admin.headers,
    });
    assert.equal(events.statusCode, 200);
    const [event] = events.json().items;
    assert.equal(event.user_id, user.userId);
    assert.equal(event.tenant_id, admin.tenantId);
    assert.equal(event.severity, 'high');
  });
});
