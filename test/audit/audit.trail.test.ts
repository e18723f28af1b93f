// What an audit record says, and when there is none: every successful mutation has exactly one
// record, written in its own transaction; a failed request leaves neither change nor record; no
// secret value ever reaches a record.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { serverShape } from '../helpers/app.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { buildAuditApp, createBot, ownerAuditRows } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';

describe(`audit records (${shape})`, () => {
  let t: TestApp;
  before(async () => {
    t = await buildAuditApp({ REGISTER_RATE_LIMIT: '1000/minute' });
  });
  after(() => t.close());

  const botCount = async (tenantId: string) =>
    (
      await t.db.withOwner((q) =>
        q.query<{ n: number }>('SELECT count(*)::int AS n FROM bots WHERE tenant_id = $1', [tenantId]),
      )
    ).rows[0]?.n;

  test('a successful mutation records actor, tenant, client IP, method, route, path, status, request id, time and field names', async () => {
    const admin = await createTenantUser(t);
    const created = await createBot(t, admin);
    const id = created.json().id;
    const before = Date.now();
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/bots/${id}`,
      headers: { ...admin.headers, 'x-request-id': `audit-trail-${randomUUID()}` },
      remoteAddress: '203.0.113.7',
      payload: { name: 'renamed', kind: 'internal', exchange: 'kraken', strategy: 'dca', status: 'running' },
    });
    assert.equal(res.statusCode, 200);
    const rows = await ownerAuditRows(t, admin.tenantId);
    assert.equal(rows.length, 2);
    const record = rows[1];
    assert.ok(record);
    assert.equal(record.tenant_id, admin.tenantId);
    assert.equal(record.actor_user_id, admin.userId);
    assert.equal(record.actor_email, admin.email);
    assert.equal(record.ip, '203.0.113.7');
    assert.equal(record.method, 'PUT');
    assert.equal(record.route, '/api/v1/bots/:id');
    assert.equal(record.path, `/api/v1/bots/${id}`);
    assert.equal(record.status, 200);
    assert.equal(record.request_id, res.headers['x-request-id']);
    assert.equal(record.action, 'bot.update');
    assert.equal(record.resource_type, 'bot');
    assert.equal(record.resource_id, id);
    assert.ok(Array.isArray(record.changes.fields) && record.changes.fields.includes('name'));
    assert.ok(Math.abs(new Date(record.occurred_at).getTime() - before) < 60_000);
    assert.equal(rows[0]?.status, 201);
  });

  test('reads write no audit record', async () => {
    const admin = await createTenantUser(t);
    const id = (await createBot(t, admin)).json().id;
    await t.app.inject({ method: 'GET', url: '/api/v1/bots', headers: admin.headers });
    await t.app.inject({ method: 'GET', url: `/api/v1/bots/${id}`, headers: admin.headers });
    assert.equal((await ownerAuditRows(t, admin.tenantId)).length, 1);
  });

  test('a request that fails after its change leaves neither the change nor a record', async () => {
    const admin = await createTenantUser(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test-probe/notes',
      headers: admin.headers,
      payload: { name: 'doomed', fail: true },
    });
    assert.equal(res.statusCode, 409);
    assert.equal(await botCount(admin.tenantId), 0);
    assert.equal((await ownerAuditRows(t, admin.tenantId)).length, 0);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test-probe/notes',
      headers: admin.headers,
      payload: { name: 'kept' },
    });
    assert.equal(ok.statusCode, 201);
    assert.equal((await ownerAuditRows(t, admin.tenantId)).length, 1);
  });

  test('refused, invalid and conflicting requests write no record', async () => {
    const admin = await createTenantUser(t);
    const other = await createTenantUser(t);
    const foreign = (await createBot(t, other)).json().id;
    const bot = (await createBot(t, admin)).json().id;
    const attempts = await Promise.all([
      createBot(t, admin, { kind: 'spaceship' }),
      createBot(t, admin, { unknown_field: 1 }),
      t.app.inject({ method: 'DELETE', url: `/api/v1/bots/${foreign}`, headers: admin.headers }),
      t.app.inject({ method: 'DELETE', url: `/api/v1/bots/${randomUUID()}`, headers: admin.headers }),
      t.app.inject({ method: 'POST', url: '/api/v1/bots', payload: { name: 'x' } }),
    ]);
    assert.deepEqual(
      attempts.map((r) => r.statusCode),
      [422, 422, 404, 404, 401],
    );
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subscriptions',
      headers: admin.headers,
      payload: { bot_id: bot, plan: 'free' },
    });
    const duplicate = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subscriptions',
      headers: admin.headers,
      payload: { bot_id: bot, plan: 'pro' },
    });
    assert.deepEqual([first.statusCode, duplicate.statusCode], [201, 409]);
    const actions = (await ownerAuditRows(t, admin.tenantId)).map((r) => r.action);
    assert.deepEqual(actions, ['bot.create', 'subscription.create']);
    assert.equal((await ownerAuditRows(t, other.tenantId)).length, 1);
  });

  test('secret values never appear in records: passwords, bot API tokens, secret-named details', async () => {
    const admin = await createTenantUser(t);
    const apiToken = `tok-${randomUUID()}`;
    const created = await createBot(t, admin, { api_token: apiToken });
    assert.equal(created.statusCode, 201);
    const probeSecret = `probe-${randomUUID()}`;
    const probe = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test-probe/notes',
      headers: admin.headers,
      payload: {
        name: 'p',
        details: { password: probeSecret, nested: { api_token: probeSecret }, host: 'x' },
      },
    });
    assert.equal(probe.statusCode, 201);
    const password = `Pw-${randomUUID()}!a1`;
    const email = `register-${randomUUID()}@example.test`;
    const registered = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password, full_name: 'Reg Istered' },
    });
    assert.equal(registered.statusCode, 201);
    const everything = await t.db.withOwner((q) =>
      q.query<{ row: string }>(
        'SELECT row_to_json(a)::text AS row FROM audit_log a WHERE tenant_id = $1 OR actor_email = $2',
        [admin.tenantId, email],
      ),
    );
    const text = everything.rows.map((r) => r.row).join('\n');
    assert.ok(everything.rows.length >= 3);
    assert.ok(text.includes('api_token'), 'the field name is recorded');
    for (const secret of [apiToken, probeSecret, password]) assert.ok(!text.includes(secret));
    assert.match(text, /\[REDACTED\]/);
    assert.ok(text.includes('"host": "x"') || text.includes('"host":"x"'), 'non-secret details are kept');
  });
});
