// Bots: create, read, replace, delete, with the contract's fields and rules.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { Caller } from './bots.fixtures.ts';
import { as, createBot, PUBLIC_URL, validBot } from './bots.fixtures.ts';

const BOT_KEYS = [
  'api_url',
  'created_at',
  'exchange',
  'has_api_token',
  'id',
  'kind',
  'name',
  'status',
  'strategy',
  'updated_at',
];
const TOKEN = 'tok_0123456789abcdef';

describe('bots CRUD', () => {
  let t: TestApp;
  let alice: TestIdentity;
  let api: Caller;

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
    api = as(t, alice);
  });
  after(() => t.close());

  test('POST /bots creates a stopped bot and answers 201 with exactly the contract fields', async () => {
    const res = await api.post('/bots', validBot());
    assert.equal(res.statusCode, 201);
    const bot = res.json();
    assert.deepEqual(Object.keys(bot).sort(), BOT_KEYS);
    assert.match(bot.id, /^[0-9a-f-]{36}$/);
    assert.equal(bot.status, 'stopped');
    assert.equal(bot.api_url, null);
    assert.equal(bot.has_api_token, false);
    assert.equal(bot.name, 'Momentum');
    assert.ok(!Number.isNaN(Date.parse(bot.created_at)));
  });

  test('timestamps are ISO 8601 in UTC with milliseconds, the same in every answer about the bot', async () => {
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    const before = Date.now();
    const created = (await api.post('/bots', validBot())).json();
    assert.match(created.created_at, iso);
    assert.equal(created.updated_at, created.created_at);
    // Formatted by the database from its own clock: within this test's window, give or take a second.
    assert.ok(Math.abs(Date.parse(created.created_at) - before) < 60_000);
    const read = (await api.get(`/bots/${created.id}`)).json();
    const listed = (await api.get('/bots?limit=100'))
      .json()
      .items.find((b: { id: string }) => b.id === created.id);
    assert.deepEqual([read.created_at, read.updated_at], [created.created_at, created.updated_at]);
    assert.deepEqual([listed.created_at, listed.updated_at], [created.created_at, created.updated_at]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const put = await api.put(`/bots/${created.id}`, validBot({ name: 'Later', status: 'running' }));
    assert.equal(put.statusCode, 200, put.body);
    const updated = put.json();
    assert.match(updated.updated_at, iso);
    assert.equal(updated.created_at, created.created_at);
    assert.ok(Date.parse(updated.updated_at) > Date.parse(created.updated_at));
  });

  test('an external bot with a URL and token is stored and says it has a token', async () => {
    const res = await api.post(
      '/bots',
      validBot({ kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN }),
    );
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().api_url, PUBLIC_URL);
    assert.equal(res.json().has_api_token, true);
  });

  test('an external bot without api_url is refused with 422 and nothing is stored', async () => {
    const before = (await api.get('/bots?limit=100')).json().items.length;
    for (const extra of [{}, { api_url: null }]) {
      const res = await api.post('/bots', validBot({ kind: 'external', ...extra }));
      assert.equal(res.statusCode, 422);
      assert.deepEqual(res.json().detail[0].loc, ['body', 'api_url']);
    }
    assert.equal((await api.get('/bots?limit=100')).json().items.length, before);
  });

  test('api_token follows the seed rules with the seed messages, without echoing the value', async () => {
    const cases: [string, string][] = [
      ['short-tok', 'API token too short'],
      ['0123456789<script>', 'API token contains invalid characters'],
      ['0123456789;drop', 'API token contains invalid characters'],
      ['0123456789`x`', 'API token contains invalid characters'],
      ['01234 56789 spaces', 'API token contains invalid characters'],
      ['0123456789\r\nX-Injected: 1', 'API token contains invalid characters'],
    ];
    for (const [token, message] of cases) {
      const res = await api.post('/bots', validBot({ api_token: token }));
      assert.equal(res.statusCode, 422, token);
      assert.deepEqual(res.json().detail, [
        { loc: ['body', 'api_token'], msg: message, type: 'value_error' },
      ]);
      assert.ok(!res.body.includes(token));
    }
    const long = await api.post('/bots', validBot({ api_token: 'a'.repeat(4097) }));
    assert.equal(long.statusCode, 422);
  });

  test('string limits, enums and types are enforced without coercion', async () => {
    const bad: Record<string, unknown>[] = [
      { name: '' },
      { name: 'n'.repeat(101) },
      { exchange: '' },
      { strategy: 's'.repeat(51) },
      { kind: 'hybrid' },
      { name: 5 },
      { api_url: 'h'.repeat(2049) },
      { api_token: 1234567890123 },
    ];
    for (const overrides of bad) {
      const res = await api.post('/bots', validBot(overrides));
      assert.equal(res.statusCode, 422, JSON.stringify(overrides).slice(0, 80));
      assert.equal(res.json().code, 'VALIDATION_FAILED');
    }
    const missing = await api.post('/bots', { name: 'x', kind: 'internal', exchange: 'e' });
    assert.equal(missing.statusCode, 422);
    assert.deepEqual(missing.json().detail[0].loc, ['body', 'strategy']);
  });

  test('GET /bots/{id} answers the bot as created', async () => {
    const created = (await api.post('/bots', validBot({ name: 'Reader' }))).json();
    const res = await api.get(`/bots/${created.id}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), created);
  });

  test('PUT /bots/{id} replaces the fields, status included, and keeps an omitted token', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN });
    const res = await api.put(
      `/bots/${id}`,
      validBot({ name: 'Renamed', kind: 'external', api_url: `${PUBLIC_URL}?v=2`, status: 'running' }),
    );
    assert.equal(res.statusCode, 200);
    const bot = res.json();
    assert.equal(bot.name, 'Renamed');
    assert.equal(bot.status, 'running');
    assert.equal(bot.api_url, `${PUBLIC_URL}?v=2`);
    assert.equal(bot.has_api_token, true);
    assert.ok(Date.parse(bot.updated_at) >= Date.parse(bot.created_at));
  });

  test('PUT with api_token null removes the stored token; an omitted api_url becomes null', async () => {
    const id = await createBot(api, { api_url: PUBLIC_URL, api_token: TOKEN });
    const res = await api.put(`/bots/${id}`, validBot({ status: 'paused', api_token: null }));
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().has_api_token, false);
    assert.equal(res.json().api_url, null);
  });

  test('moving a bot with a stored token to another origin needs the token again', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN });
    const moved = validBot({ kind: 'external', api_url: 'https://93.184.215.15/health', status: 'stopped' });
    const refused = await api.put(`/bots/${id}`, moved);
    assert.equal(refused.statusCode, 422);
    assert.deepEqual(refused.json().detail[0].loc, ['body', 'api_token']);
    assert.equal((await api.get(`/bots/${id}`)).json().api_url, PUBLIC_URL);
    const accepted = await api.put(`/bots/${id}`, { ...moved, api_token: 'another-token-0123' });
    assert.equal(accepted.statusCode, 200);
    assert.equal(accepted.json().api_url, 'https://93.184.215.15/health');
  });

  test('PUT needs every replaced field, status included, and refuses unknown statuses', async () => {
    const id = await createBot(api);
    assert.equal((await api.put(`/bots/${id}`, validBot())).statusCode, 422);
    assert.equal((await api.put(`/bots/${id}`, validBot({ status: 'exploded' }))).statusCode, 422);
    assert.equal((await api.put(`/bots/${id}`, validBot({ status: 'error' }))).statusCode, 200);
  });

  test('DELETE /bots/{id} answers 204 and the bot is gone', async () => {
    const id = await createBot(api);
    const res = await api.delete(`/bots/${id}`);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.equal((await api.get(`/bots/${id}`)).statusCode, 404);
    assert.equal((await api.delete(`/bots/${id}`)).statusCode, 404);
  });

  test('an unknown bot id is a 404 on every route', async () => {
    const id = randomUUID();
    const responses = [
      await api.get(`/bots/${id}`),
      await api.put(`/bots/${id}`, validBot({ status: 'stopped' })),
      await api.patch(`/bots/${id}`, { name: 'Renamed' }),
      await api.delete(`/bots/${id}`),
      await api.post(`/bots/${id}/test-connection`),
    ];
    for (const res of responses) {
      assert.equal(res.statusCode, 404);
      assert.deepEqual(res.json(), { detail: 'Bot not found', code: 'BOT_NOT_FOUND' });
    }
  });

  test('a malformed bot id is a 422 on every route, before any database work', async () => {
    for (const id of ['not-a-uuid', '1', `urn:uuid:${randomUUID()}`, `${randomUUID()}x`]) {
      const responses = [
        await api.get(`/bots/${encodeURIComponent(id)}`),
        await api.put(`/bots/${encodeURIComponent(id)}`, validBot({ status: 'stopped' })),
        await api.patch(`/bots/${encodeURIComponent(id)}`, { name: 'Renamed' }),
        await api.delete(`/bots/${encodeURIComponent(id)}`),
        await api.post(`/bots/${encodeURIComponent(id)}/test-connection`),
      ];
      for (const res of responses) {
        assert.equal(res.statusCode, 422, id);
        assert.deepEqual(res.json().detail[0].loc, ['path', 'id']);
      }
    }
  });

  test('every bot route needs authentication', async () => {
    const id = randomUUID();
    const routes: [string, string][] = [
      ['GET', '/bots'],
      ['POST', '/bots'],
      ['GET', `/bots/${id}`],
      ['PUT', `/bots/${id}`],
      ['PATCH', `/bots/${id}`],
      ['DELETE', `/bots/${id}`],
      ['POST', `/bots/${id}/test-connection`],
      ['POST', '/external-bots/test-connection'],
    ];
    for (const [method, url] of routes) {
      const res = await t.app.inject({ method: method as 'GET', url: `/api/v1${url}` });
      assert.equal(res.statusCode, 401, `${method} ${url}`);
    }
  });

  test('create, update and delete leave audit records naming fields, never the token', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN });
    await api.put(
      `/bots/${id}`,
      validBot({ kind: 'external', api_url: PUBLIC_URL, status: 'running', api_token: TOKEN }),
    );
    await api.delete(`/bots/${id}`);
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ action: string; actor_user_id: string; changes: { fields: string[] } }>(
        'SELECT action, actor_user_id, changes FROM audit_log WHERE resource_id = $1 ORDER BY id',
        [id],
      ),
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['bot.create', 'bot.update', 'bot.delete'],
    );
    assert.ok(rows.every((r) => r.actor_user_id === alice.userId));
    assert.deepEqual(rows[0]?.changes.fields.sort(), [
      'api_token',
      'api_url',
      'exchange',
      'kind',
      'name',
      'strategy',
    ]);
    assert.deepEqual(rows[1]?.changes.fields.sort(), ['api_token', 'status']);
    assert.ok(!JSON.stringify(rows).includes(TOKEN));
  });
});
