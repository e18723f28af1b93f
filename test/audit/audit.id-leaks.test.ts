// Issue 14, item 11: the ids a tenant sees in its audit log, its security events, verification
// answers and cursors carry nothing of the platform-wide sequences, so one tenant cannot read
// another's write volume from the gaps (OWASP ASVS 4.0.3 V8.3.4: no disclosure of other users'
// activity). Audit records are numbered per tenant (their seq); security events get random ids.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { buildAuditApp, createBot } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Page {
  items: Record<string, unknown>[];
  next_cursor: string | null;
}

describe(`tenant-visible ids reveal nothing of other tenants (${shape})`, () => {
  let t: TestApp;
  before(async () => {
    t = await buildAuditApp();
  });
  after(() => t.close());

  async function pages(
    who: TestIdentity,
    url: string,
  ): Promise<{ items: Record<string, unknown>[]; cursors: string[] }> {
    const items: Record<string, unknown>[] = [];
    const cursors: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { statusCode: number; body: string; json(): unknown } = await t.app.inject({
        method: 'GET',
        url: cursor ? `${url}&cursor=${cursor}` : url,
        headers: who.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as Page;
      items.push(...page.items);
      cursor = page.next_cursor;
      if (cursor !== null) cursors.push(cursor);
    } while (cursor !== null);
    return { items, cursors };
  }

  /** A refusal of the tenant's plain user: one unauthorized_access_attempt event of that tenant. */
  const refuse = (user: TestIdentity) =>
    t.app.inject({ method: 'GET', url: '/api/v1/admin/audit-log', headers: user.headers });

  test("two tenants writing interleaved: A's ids and cursors say nothing about B's volume", async () => {
    const a = await createTenantUser(t);
    const b = await createTenantUser(t);
    const aUser = await createTenantUser(t, { tenantId: a.tenantId, roles: ['user'] });
    const bUser = await createTenantUser(t, { tenantId: b.tenantId, roles: ['user'] });
    for (let round = 0; round < 4; round++) {
      assert.equal((await createBot(t, a)).statusCode, 201);
      assert.equal((await refuse(aUser)).statusCode, 403);
      for (let i = 0; i < 3; i++) {
        assert.equal((await createBot(t, b)).statusCode, 201);
        assert.equal((await refuse(bUser)).statusCode, 403);
      }
    }

    const audit = await pages(a, '/api/v1/admin/audit-log?limit=1');
    assert.deepEqual(
      audit.items.map((item) => item.id),
      [4, 3, 2, 1],
    );
    assert.deepEqual(
      audit.items.map((item) => item.seq),
      [4, 3, 2, 1],
    );
    const events = await pages(a, '/api/v1/admin/security-events?limit=1');
    assert.equal(events.items.length, 4);
    const eventIds = events.items.map((item) => item.id);
    for (const id of eventIds) assert.match(String(id), UUID);
    assert.equal(new Set(eventIds).size, 4);

    // Cursors are base64url and a client may decode them: no number beyond A's own positions.
    for (const cursor of [...audit.cursors, ...events.cursors]) {
      const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
      const withoutUuids = decoded.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, '');
      const numbers = (withoutUuids.match(/\d+/g) ?? []).map(Number).filter((n) => n > 1);
      assert.ok(
        numbers.every((n) => n <= 4),
        `cursor ${decoded} carries a number beyond tenant A's own records`,
      );
    }
    for (const cursor of events.cursors) {
      const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
      const uuid = decoded.match(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/)?.[0];
      assert.ok(
        uuid !== undefined && eventIds.includes(uuid),
        `event cursor ${decoded} names one of A's events`,
      );
    }

    // The operator's listing shows the same public id for an event as the tenant's admin sees.
    const operator = await createTenantUser(t, { roles: ['operator'] });
    const ops = await pages(operator, `/api/v1/ops/security-events?tenant_id=${a.tenantId}&limit=2`);
    assert.deepEqual(
      ops.items.map((item) => item.id),
      eventIds,
    );
  });

  test('a verification failure names the per-tenant position, not a global id', async () => {
    const a = await createTenantUser(t);
    const b = await createTenantUser(t);
    for (let i = 0; i < 3; i++) {
      await createBot(t, b);
      await createBot(t, a);
    }
    await t.db.withOwner((q) =>
      q.query("UPDATE audit_log SET action = 'bot.other' WHERE tenant_id = $1 AND seq = 2", [a.tenantId]),
    );
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/audit-log/verify',
      headers: a.headers,
    });
    assert.equal(res.json().first_bad, 2);
  });
});
