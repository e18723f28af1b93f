// The per-request checks (IP block, route limit, revocation, inactive mark, user throttle, usage
// count) cost one state-store round trip on the authenticated path.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StateStore } from '../../src/platform/store/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestStore } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

function counting(inner: StateStore) {
  const calls: string[] = [];
  const store = { ...inner } as StateStore;
  for (const method of ['get', 'set', 'exists', 'delete', 'increment', 'batch', 'keys', 'ttl'] as const) {
    const original = inner[method] as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      calls.push(method);
      return original(...args);
    };
  }
  return { store, calls };
}

describe('state-store round trips per request', () => {
  let t: TestApp;
  let user: TestIdentity;
  const inner = createTestStore();
  const { store, calls } = counting(inner);

  before(async () => {
    t = await buildTestApp({}, { store });
    await t.app.ready();
    user = await createTenantUser(t);
  });
  after(async () => {
    await t.close();
    await inner.close();
  });

  test('an authenticated read makes exactly one store call, a batch', async () => {
    await t.app.inject({ method: 'GET', url: '/api/v1/bots', headers: user.headers });
    calls.length = 0;
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/bots', headers: user.headers });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(calls, ['batch']);
  });

  test('a public route makes one store call too', async () => {
    calls.length = 0;
    assert.equal((await t.app.inject({ method: 'GET', url: '/' })).statusCode, 302);
    assert.deepEqual(calls, ['batch']);
  });

  test('the probes and the API reference make none: no block or limit ever refuses them', async () => {
    for (const url of ['/health', '/openapi.json']) {
      calls.length = 0;
      assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 200, url);
      assert.deepEqual(calls, [], url);
    }
  });
});
