// Mass assignment: a client cannot set what the server owns (id, tenant, status on create, the
// token flag, timestamps, the encrypted column). Unknown fields are refused, never dropped.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { Caller } from './bots.fixtures.ts';
import { as, createBot, validBot } from './bots.fixtures.ts';

const SERVER_OWNED: [string, unknown][] = [
  ['id', randomUUID()],
  ['tenant_id', randomUUID()],
  ['status', 'running'],
  ['has_api_token', true],
  ['created_at', '2020-01-01T00:00:00Z'],
  ['updated_at', '2020-01-01T00:00:00Z'],
  ['created_by', randomUUID()],
  ['api_token_encrypted', 'v1.deadbeef.AAAA'],
];

/** The valid body plus one raw `"field": value` member (raw, so `__proto__` stays a plain key). */
function withField(field: string, value: unknown): string {
  return `${JSON.stringify(validBot()).slice(0, -1)},${JSON.stringify(field)}:${JSON.stringify(value)}}`;
}

describe('bots mass assignment', () => {
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

  const post = (payload: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/bots',
      headers: { ...alice.headers, 'content-type': 'application/json' },
      payload,
    });

  test('POST /bots refuses each server-owned field with 422 naming it, and stores nothing', async () => {
    for (const [field, value] of SERVER_OWNED) {
      const res = await post(withField(field, value));
      assert.equal(res.statusCode, 422, field);
      assert.equal(res.json().code, 'VALIDATION_FAILED');
      assert.deepEqual(res.json().detail[0].loc, ['body', field], field);
    }
    assert.deepEqual((await api.get('/bots')).json().items, []);
  });

  test('prototype-pollution keys are refused before validation (400) and store nothing', async () => {
    for (const [field, value] of [
      ['__proto__', { admin: true }],
      ['constructor', { prototype: { admin: true } }],
    ] as const) {
      const res = await post(withField(field, value));
      assert.ok(res.statusCode === 400 || res.statusCode === 422, `${field}: ${res.statusCode}`);
    }
    assert.deepEqual((await api.get('/bots')).json().items, []);
  });

  test('PUT /bots/{id} refuses server-owned fields and leaves the bot unchanged', async () => {
    const id = await createBot(api);
    const before = (await api.get(`/bots/${id}`)).json();
    for (const field of ['id', 'tenant_id', 'has_api_token', 'created_at', 'created_by']) {
      const res = await api.put(`/bots/${id}`, {
        ...validBot({ status: 'running' }),
        [field]: randomUUID(),
      });
      assert.equal(res.statusCode, 422, field);
    }
    assert.deepEqual((await api.get(`/bots/${id}`)).json(), before);
  });

  test('PATCH /bots/{id} refuses each server-owned field alone or beside a real change, and changes nothing', async () => {
    const id = await createBot(api);
    const before = (await api.get(`/bots/${id}`)).json();
    for (const [field, value] of SERVER_OWNED.filter(([f]) => f !== 'status')) {
      for (const body of [{ [field]: value }, { name: 'Renamed', [field]: value }]) {
        const res = await api.patch(`/bots/${id}`, body);
        assert.equal(res.statusCode, 422, field);
        assert.ok(
          res
            .json()
            .detail.some(
              (d: { loc: string[]; type: string }) => d.loc[1] === field && d.type === 'extra_forbidden',
            ),
          field,
        );
      }
    }
    assert.deepEqual((await api.get(`/bots/${id}`)).json(), before);
  });

  test('a tenant_id in the body cannot move a bot into another tenant', async () => {
    const bob = await createTenantUser(t, { roles: ['user'] });
    const res = await api.post('/bots', { ...validBot(), tenant_id: bob.tenantId });
    assert.equal(res.statusCode, 422);
    assert.deepEqual((await as(t, bob).get('/bots')).json().items, []);
  });
});
