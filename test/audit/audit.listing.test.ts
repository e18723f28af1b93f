// GET /admin/audit-log and GET /admin/security-events: newest first, cursor pagination, filters,
// and each tenant's own records only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { buildAuditApp, createBot } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';

interface Page {
  items: Record<string, unknown>[];
  next_cursor: string | null;
}

describe(`audit and security-event listings (${shape})`, () => {
  let t: TestApp;
  before(async () => {
    t = await buildAuditApp();
  });
  after(() => t.close());

  async function get(who: TestIdentity, url: string): Promise<Page & { status: number }> {
    const res = await t.app.inject({ method: 'GET', url, headers: who.headers });
    return { status: res.statusCode, ...(res.json() as Page) };
  }

  /** Follows next_cursor until the end; returns every item in order. */
  async function all(who: TestIdentity, url: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const page = await get(who, cursor ? `${url}${sep}cursor=${cursor}` : url);
      assert.equal(page.status, 200);
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return items;
  }

  test('the audit log is newest first and pages through every record exactly once', async () => {
    const admin = await createTenantUser(t);
    for (let i = 0; i < 7; i++) await createBot(t, admin);
    const first = await get(admin, '/api/v1/admin/audit-log?limit=3');
    assert.equal(first.items.length, 3);
    assert.equal(typeof first.next_cursor, 'string');
    const items = await all(admin, '/api/v1/admin/audit-log?limit=3');
    assert.deepEqual(
      items.map((i) => i.seq),
      [7, 6, 5, 4, 3, 2, 1],
    );
    const keys = Object.keys(items[0] ?? {}).sort();
    for (const key of [
      'seq',
      'occurred_at',
      'actor_user_id',
      'actor_email',
      'ip',
      'method',
      'route',
      'path',
    ]) {
      assert.ok(keys.includes(key), key);
    }
    for (const key of ['status', 'request_id', 'action', 'resource_type', 'resource_id', 'changes', 'hash']) {
      assert.ok(keys.includes(key), key);
    }
    assert.equal((await get(admin, '/api/v1/admin/audit-log')).items.length, 7);
  });

  test('audit log filters: actor, action, time range', async () => {
    const admin = await createTenantUser(t);
    const colleague = await createTenantUser(t, { tenantId: admin.tenantId, roles: ['user'] });
    const bot = (await createBot(t, admin)).json().id;
    await createBot(t, colleague);
    await t.app.inject({ method: 'DELETE', url: `/api/v1/bots/${bot}`, headers: admin.headers });
    const byUser = await get(admin, `/api/v1/admin/audit-log?actor_user_id=${colleague.userId}`);
    assert.deepEqual(
      byUser.items.map((i) => i.actor_user_id),
      [colleague.userId],
    );
    const byEmail = await get(
      admin,
      `/api/v1/admin/audit-log?actor_email=${encodeURIComponent(admin.email.toUpperCase())}`,
    );
    assert.deepEqual(
      byEmail.items.map((i) => i.action),
      ['bot.delete', 'bot.create'],
    );
    const deletes = await get(admin, '/api/v1/admin/audit-log?action=bot.delete');
    assert.deepEqual(
      deletes.items.map((i) => i.resource_id),
      [bot],
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    assert.equal((await get(admin, `/api/v1/admin/audit-log?since=${future}`)).items.length, 0);
    assert.equal((await get(admin, `/api/v1/admin/audit-log?since=${past}&until=${future}`)).items.length, 3);
    assert.equal((await get(admin, `/api/v1/admin/audit-log?until=${past}`)).items.length, 0);
  });

  test('bad listing parameters are 422s: unknown filter, malformed cursor, inverted range, page size', async () => {
    const admin = await createTenantUser(t);
    const foreignCursor = Buffer.from('v1.e.5').toString('base64url');
    for (const query of [
      'actor=me',
      'cursor=bm9wZQ',
      `cursor=${foreignCursor}`,
      'limit=0',
      'limit=101',
      'since=yesterday',
      `since=${new Date().toISOString()}&until=${new Date(Date.now() - 1000).toISOString()}`,
      'actor_user_id=42',
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/admin/audit-log?${query}`,
        headers: admin.headers,
      });
      assert.equal(res.statusCode, 422, query);
      assert.equal(res.json().code, 'VALIDATION_FAILED');
    }
    const events = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/security-events?event_type=made_up',
      headers: admin.headers,
    });
    assert.equal(events.statusCode, 422);
  });

  test("each tenant's admin sees only that tenant's audit records and security events", async () => {
    const a = await createTenantUser(t);
    const b = await createTenantUser(t);
    await createBot(t, a);
    await createBot(t, b);
    const bUser = await createTenantUser(t, { tenantId: b.tenantId, roles: ['user'] });
    // b's plain user is refused an admin route: a security event of tenant b.
    assert.equal((await get(bUser, '/api/v1/admin/audit-log')).status, 403);
    const aRecords = await all(a, '/api/v1/admin/audit-log');
    assert.ok(aRecords.every((r) => r.actor_user_id === a.userId));
    assert.equal(aRecords.length, 1);
    const aEvents = await all(a, '/api/v1/admin/security-events');
    assert.ok(aEvents.every((e) => e.tenant_id === a.tenantId));
    assert.equal(aEvents.length, 0);
    const bEvents = await all(b, '/api/v1/admin/security-events');
    assert.deepEqual(
      bEvents.map((e) => [e.event_type, e.user_id, e.tenant_id]),
      [['unauthorized_access_attempt', bUser.userId, b.tenantId]],
    );
  });

  test('security events: newest first, paginated, filtered by type, severity, user and time', async () => {
    const admin = await createTenantUser(t);
    const users = await Promise.all(
      [1, 2, 3].map(() => createTenantUser(t, { tenantId: admin.tenantId, roles: ['user'] })),
    );
    for (const user of users) {
      for (let i = 0; i < 2; i++)
        assert.equal((await get(user, '/api/v1/admin/security-events')).status, 403);
    }
    const items = await all(admin, '/api/v1/admin/security-events?limit=4');
    assert.equal(items.length, 6);
    const times = items.map((e) => Date.parse(e.occurred_at as string));
    assert.deepEqual(
      times,
      [...times].sort((x, y) => y - x),
    );
    assert.equal(new Set(items.map((e) => e.id)).size, 6);
    assert.deepEqual(Object.keys(items[0] ?? {}).sort(), [
      'count',
      'description',
      'details',
      'event_type',
      'id',
      'ip',
      'occurred_at',
      'request_id',
      'server_request_id',
      'severity',
      'tenant_id',
      'user_id',
    ]);
    const mine = await get(admin, `/api/v1/admin/security-events?user_id=${users[1]?.userId}`);
    assert.equal(mine.items.length, 2);
    assert.equal((await get(admin, '/api/v1/admin/security-events?severity=high')).items.length, 6);
    assert.equal((await get(admin, '/api/v1/admin/security-events?severity=medium')).items.length, 0);
    const typed = await get(
      admin,
      '/api/v1/admin/security-events?event_type=unauthorized_access_attempt&limit=100',
    );
    assert.equal(typed.items.length, 6);
    assert.equal(
      (await get(admin, '/api/v1/admin/security-events?event_type=token_expired')).items.length,
      0,
    );
    const future = new Date(Date.now() + 60_000).toISOString();
    assert.equal((await get(admin, `/api/v1/admin/security-events?since=${future}`)).items.length, 0);
    const requestId = items[0]?.request_id as string;
    const one = await get(admin, `/api/v1/admin/security-events?request_id=${requestId}`);
    assert.deepEqual(
      one.items.map((e) => e.id),
      [items[0]?.id],
    );
  });
});
