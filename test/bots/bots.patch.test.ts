// PATCH /bots/{id} (CONTRACT.md "Bots"): only the fields sent change, each validated as in PUT;
// api_token omitted keeps, null clears, a string replaces; at least one field; unknown fields are a
// 422; audited like PUT with the changed fields. And PUT documented as the full replacement it is.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { Caller } from './bots.fixtures.ts';
import { as, createBot, PUBLIC_URL, urlRefusal } from './bots.fixtures.ts';

const TOKEN = 'tok_0123456789abcdef';

describe('PATCH /bots/{id}', () => {
  let t: TestApp;
  let alice: TestIdentity;
  let api: Caller;

  before(async () => {
    t = await buildTestApp({ DEBUG: 'false' });
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
    api = as(t, alice);
  });
  after(() => t.close());

  const sealedToken = async (id: string) => {
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ api_token_encrypted: string | null }>('SELECT api_token_encrypted FROM bots WHERE id = $1', [
        id,
      ]),
    );
    return rows[0]?.api_token_encrypted;
  };

  const auditOf = async (requestId: unknown) => {
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ action: string; resource_id: string; status: number; changes: { fields: string[] } }>(
        'SELECT action, resource_id, status, changes FROM audit_log WHERE request_id = $1',
        [requestId],
      ),
    );
    return rows;
  };

  test('only the fields sent change; the answer is the whole bot, and the audit names the changed fields', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN });
    const before = (await api.get(`/bots/${id}`)).json();
    const sealed = await sealedToken(id);
    const res = await api.patch(`/bots/${id}`, { status: 'running', strategy: before.strategy });
    assert.equal(res.statusCode, 200);
    const { updated_at: updatedAt, ...rest } = res.json();
    const { updated_at: _before, ...unchanged } = before;
    assert.deepEqual(rest, { ...unchanged, status: 'running' });
    assert.ok(Date.parse(updatedAt) >= Date.parse(before.updated_at));
    assert.deepEqual((await api.get(`/bots/${id}`)).json(), res.json());
    assert.equal(await sealedToken(id), sealed, 'an omitted api_token keeps the stored one untouched');
    const audit = await auditOf(res.headers['x-request-id']);
    assert.deepEqual(
      audit.map((r) => [r.action, r.resource_id, r.status, r.changes.fields]),
      [['bot.update', id, 200, ['status']]],
    );
  });

  test('api_token: a string replaces the stored token, null clears it; neither is ever echoed', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN });
    const sealed = await sealedToken(id);
    const replaced = await api.patch(`/bots/${id}`, { api_token: 'another-token-0123' });
    assert.equal(replaced.statusCode, 200);
    assert.equal(replaced.json().has_api_token, true);
    const resealed = await sealedToken(id);
    assert.ok(typeof resealed === 'string' && resealed !== sealed);
    assert.deepEqual((await auditOf(replaced.headers['x-request-id']))[0]?.changes.fields, ['api_token']);
    const cleared = await api.patch(`/bots/${id}`, { api_token: null });
    assert.equal(cleared.statusCode, 200);
    assert.equal(cleared.json().has_api_token, false);
    assert.equal(await sealedToken(id), null);
    assert.ok(!replaced.body.includes('another-token-0123'));
  });

  test('each field is validated as in PUT: types, bounds, enums, no nulls where PUT takes none, token rules', async () => {
    const id = await createBot(api);
    const before = (await api.get(`/bots/${id}`)).json();
    const bodies: [Record<string, unknown>, (string | number)[]][] = [
      [{ name: '' }, ['body', 'name']],
      [{ name: 'x'.repeat(101) }, ['body', 'name']],
      [{ name: null }, ['body', 'name']],
      [{ status: 'exploded' }, ['body', 'status']],
      [{ kind: 'robot' }, ['body', 'kind']],
      [{ exchange: 5 }, ['body', 'exchange']],
      [{ strategy: 'a\u200bb' }, ['body', 'strategy']],
      [{ api_token: 'short' }, ['body', 'api_token']],
      [{ api_token: 'has<angle>brackets' }, ['body', 'api_token']],
    ];
    for (const [body, loc] of bodies) {
      const res = await api.patch(`/bots/${id}`, body);
      assert.equal(res.statusCode, 422, JSON.stringify(body));
      assert.equal(res.json().code, 'VALIDATION_FAILED');
      assert.deepEqual(res.json().detail[0].loc, loc, JSON.stringify(body));
    }
    assert.deepEqual((await api.get(`/bots/${id}`)).json(), before);
  });

  test('an empty body, no body, or not an object is a 422 that changes nothing', async () => {
    const id = await createBot(api);
    const before = (await api.get(`/bots/${id}`)).json();
    for (const body of [{}, [], undefined]) {
      const res = await api.patch(`/bots/${id}`, body);
      assert.equal(res.statusCode, 422, JSON.stringify(body));
      assert.equal(res.json().code, 'VALIDATION_FAILED');
    }
    const empty = await api.patch(`/bots/${id}`, {});
    assert.deepEqual(empty.json().detail, [
      { loc: ['body'], msg: 'Send at least one field to change', type: 'too_few_fields' },
    ]);
    assert.deepEqual((await api.get(`/bots/${id}`)).json(), before);
  });

  test('kind and api_url are judged together with the stored values: an external bot keeps a URL', async () => {
    const internal = await createBot(api);
    const toExternal = await api.patch(`/bots/${internal}`, { kind: 'external' });
    assert.equal(toExternal.statusCode, 422);
    assert.deepEqual(toExternal.json().detail, [
      { loc: ['body', 'api_url'], msg: 'External bots need an API URL', type: 'missing' },
    ]);
    const withUrl = await api.patch(`/bots/${internal}`, { kind: 'external', api_url: PUBLIC_URL });
    assert.equal(withUrl.statusCode, 200);
    assert.equal(withUrl.json().kind, 'external');
    const dropUrl = await api.patch(`/bots/${internal}`, { api_url: null });
    assert.equal(dropUrl.statusCode, 422);
    assert.deepEqual(dropUrl.json().detail[0].loc, ['body', 'api_url']);
    const both = await api.patch(`/bots/${internal}`, { kind: 'internal', api_url: null });
    assert.equal(both.statusCode, 200);
    assert.deepEqual([both.json().kind, both.json().api_url], ['internal', null]);
  });

  test('a new api_url origin with a stored token needs the token again, as in PUT', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN });
    const sameOrigin = await api.patch(`/bots/${id}`, { api_url: `${PUBLIC_URL}?v=2` });
    assert.equal(sameOrigin.statusCode, 200);
    const moved = await api.patch(`/bots/${id}`, { api_url: 'https://93.184.215.15/health' });
    assert.equal(moved.statusCode, 422);
    assert.deepEqual(moved.json().detail, [
      { loc: ['body', 'api_token'], msg: 'API token is required when the API URL changes', type: 'missing' },
    ]);
    assert.equal((await api.get(`/bots/${id}`)).json().api_url, `${PUBLIC_URL}?v=2`);
    const withToken = await api.patch(`/bots/${id}`, {
      api_url: 'https://93.184.215.15/health',
      api_token: 'another-token-0123',
    });
    assert.equal(withToken.statusCode, 200);
    assert.deepEqual((await auditOf(withToken.headers['x-request-id']))[0]?.changes.fields.sort(), [
      'api_token',
      'api_url',
    ]);
  });

  test('a refused api_url is the same 422 in words as for PUT, with an ssrf_blocked event, and nothing changes', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL });
    const res = await api.patch(`/bots/${id}`, { api_url: 'http://10.1.2.3/' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(
      res.json(),
      urlRefusal(
        "api_url's host is a private network address; DEBUG=true allows private targets in development",
      ),
    );
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ details: { bot_id: string; phase: string } }>(
        "SELECT details FROM security_events WHERE event_type = 'ssrf_blocked' AND request_id = $1",
        [res.headers['x-request-id']],
      ),
    );
    assert.deepEqual(
      rows.map((r) => [r.details.bot_id, r.details.phase]),
      [[id, 'store']],
    );
    assert.equal((await api.get(`/bots/${id}`)).json().api_url, PUBLIC_URL);
  });

  test('the OpenAPI document describes PATCH, and PUT as the full replacement it is', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const item = doc.paths['/api/v1/bots/{id}'];
    assert.equal(item.patch.summary, 'Change some fields of a bot');
    assert.match(item.patch.description, /Only the fields sent change/);
    const patchBody = item.patch.requestBody.content['application/json'].schema;
    assert.equal(patchBody.minProperties, 1);
    assert.deepEqual(patchBody.required ?? [], []);
    assert.equal(item.put.summary, 'Replace a bot');
    assert.match(item.put.description, /full replacement/);
    assert.match(
      item.put.description,
      /`api_token` \(omitted: the stored token is kept; `null`: it is removed\)/,
    );
    const putBody = item.put.requestBody.content['application/json'].schema;
    assert.deepEqual([...putBody.required].sort(), ['exchange', 'kind', 'name', 'status', 'strategy']);
  });

  test('every bot operation has a summary and a description in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const paths = [
      '/api/v1/bots',
      '/api/v1/bots/{id}',
      '/api/v1/bots/{id}/test-connection',
      '/api/v1/external-bots/test-connection',
    ];
    const operations = paths.flatMap((path) =>
      Object.entries(doc.paths[path] as Record<string, { summary?: string; description?: string }>).map(
        ([method, op]) => [`${method} ${path}`, op] as const,
      ),
    );
    assert.equal(operations.length, 8);
    for (const [name, op] of operations) {
      assert.ok((op.summary ?? '').length > 0, `${name} has a summary`);
      assert.ok((op.description ?? '').length > 0, `${name} has a description`);
    }
    assert.match(doc.paths['/api/v1/bots/{id}'].delete.description, /cancelled/);
  });
});
