// Operators list and lift platform-wide IP blocks; tenant admins cannot.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

describe('operator IP-block routes', () => {
  let t: TestApp;
  let operator: TestIdentity;
  let admin: TestIdentity;
  const blocked = '198.51.100.77';

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    operator = await createTenantUser(t, { roles: ['operator', 'user'] });
    admin = await createTenantUser(t, { roles: ['admin', 'user'] });
  });
  after(() => t.close());

  test('an operator sees active blocks and lifts one', async () => {
    const { createIpBlocks } = await import('../../src/features/protection/ip-blocks.ts');
    await createIpBlocks({ db: t.db, store: t.store }).block(blocked, 600, 'brute_force_detected');
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/ops/blocked-ips',
      headers: operator.headers,
    });
    assert.equal(list.statusCode, 200);
    assert.ok(list.json().items.some((b: { ip: string }) => b.ip === blocked));

    const lift = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/ops/blocked-ips/${blocked}`,
      headers: operator.headers,
    });
    assert.equal(lift.statusCode, 204);
    const again = await t.app.inject({
      method: 'GET',
      url: '/api/v1/ops/blocked-ips',
      headers: operator.headers,
    });
    assert.equal(
      again.json().items.some((b: { ip: string }) => b.ip === blocked),
      false,
    );
  });

  test('a tenant admin can neither list nor lift blocks, and the attempt is a security event', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/ops/blocked-ips'],
      ['DELETE', `/api/v1/ops/blocked-ips/${blocked}`],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: admin.headers });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'FORBIDDEN');
    }
    const events = await t.db.withTenant(admin.tenantId, (tx) =>
      tx.query("SELECT * FROM security_events WHERE event_type = 'unauthorized_access_attempt'"),
    );
    assert.ok(events.rows.length >= 2);
  });

  test('lifting an address that is not blocked is a 404; a malformed address a 422', async () => {
    const missing = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/ops/blocked-ips/198.51.100.78',
      headers: operator.headers,
    });
    assert.equal(missing.statusCode, 404);
    const bad = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/ops/blocked-ips/not-an-ip',
      headers: operator.headers,
    });
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json().detail[0].loc, ['path', 'ip']);
  });

  test('without a token the routes answer 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/ops/blocked-ips' });
    assert.equal(res.statusCode, 401);
  });
});
