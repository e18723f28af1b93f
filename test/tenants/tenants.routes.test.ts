// GET /tenant and PATCH /tenant (CONTRACT.md "Tenant, invitations and account recovery"; issue
// 16): the tenant_name given at registration is visible, its admins rename it with the rules of
// registration, audited; require_mfa is reported truthfully (false) and not yet settable.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AUTH_TEST_ENV, loginOk, PASSWORD, register, uniqueEmail } from '../auth/support.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

describe('the own tenant: GET /tenant, PATCH /tenant', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  const getTenant = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/api/v1/tenant', headers });
  const patchTenant = (headers: Record<string, string>, payload: unknown) =>
    t.app.inject({
      method: 'PATCH',
      url: '/api/v1/tenant',
      headers,
      payload: payload as Record<string, unknown>,
    });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  test('the tenant_name given at registration is what GET /tenant shows, with require_mfa false', async () => {
    const account = await register(t, { tenant_name: 'Ada Capital' });
    const { access_token } = await loginOk(t, account.email);
    const res = await getTenant(bearer(access_token));
    assert.equal(res.statusCode, 200, res.body);
    const tenant = res.json();
    assert.deepEqual(Object.keys(tenant).sort(), ['created_at', 'id', 'name', 'require_mfa']);
    assert.equal(tenant.id, account.tenantId);
    assert.equal(tenant.name, 'Ada Capital');
    assert.equal(tenant.require_mfa, false);
    assert.ok(Math.abs(Date.parse(tenant.created_at) - Date.now()) < 60_000, tenant.created_at);
  });

  test("without tenant_name the tenant is named after the registering user's full_name", async () => {
    const account = await register(t, { full_name: 'Grace Hopper' });
    const { access_token } = await loginOk(t, account.email);
    assert.equal((await getTenant(bearer(access_token))).json().name, 'Grace Hopper');
  });

  test('any user of the tenant reads it; only an admin renames it, and the answer is the tenant', async () => {
    const admin = await createTenantUser(t, { roles: ['admin', 'user'] });
    const member = await createTenantUser(t, { tenantId: admin.tenantId, roles: ['user'] });
    const before = (await getTenant(member.headers)).json();
    assert.equal(before.id, admin.tenantId);

    const refused = await patchTenant(member.headers, { name: 'Member Capital' });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().code, 'FORBIDDEN');
    assert.equal((await getTenant(member.headers)).json().name, before.name);

    const renamed = await patchTenant(admin.headers, { name: 'Renamed Capital' });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.deepEqual(renamed.json(), { ...before, name: 'Renamed Capital' });
    assert.deepEqual((await getTenant(member.headers)).json(), renamed.json());
  });

  test('a rename is audited as tenant.update with the field name, never its value', async () => {
    const admin = await createTenantUser(t);
    assert.equal((await patchTenant(admin.headers, { name: 'Audited Capital' })).statusCode, 200);
    const { rows } = await t.db.withTenant(admin.tenantId, (tx) =>
      tx.query<{
        action: string;
        resource_type: string;
        resource_id: string;
        status: number;
        changes: unknown;
      }>(
        "SELECT action, resource_type, resource_id, status, changes FROM audit_log WHERE action = 'tenant.update'",
      ),
    );
    assert.equal(rows.length, 1);
    const [record] = rows;
    assert.ok(record);
    assert.equal(record.resource_type, 'tenant');
    assert.equal(record.resource_id, admin.tenantId);
    assert.equal(record.status, 200);
    assert.deepEqual((record.changes as { fields: string[] }).fields, ['name']);
    assert.doesNotMatch(JSON.stringify(record.changes), /Audited Capital/);
  });

  test('a name breaking the rules of tenant_name at registration is a 422 at body.name, and nothing changes', async () => {
    const admin = await createTenantUser(t);
    const name = (await getTenant(admin.headers)).json().name;
    for (const bad of ['', 'x'.repeat(201), 'Evil\u200bCapital', 'Tab\tCapital', 42, null]) {
      const res = await patchTenant(admin.headers, { name: bad });
      assert.equal(res.statusCode, 422, JSON.stringify(bad));
      assert.equal(res.json().code, 'VALIDATION_FAILED');
      assert.deepEqual(res.json().detail[0].loc, ['body', 'name'], JSON.stringify(bad));
      // The same value is refused at registration.
      const registration = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: {
          email: uniqueEmail(),
          password: PASSWORD,
          full_name: 'X',
          tenant_name: bad,
        },
      });
      assert.equal(registration.statusCode, 422, `registration with ${JSON.stringify(bad)}`);
    }
    assert.equal((await getTenant(admin.headers)).json().name, name);
    assert.equal((await patchTenant(admin.headers, { name: 'x'.repeat(200) })).statusCode, 200);
  });

  test('require_mfa is not settable yet (MFA does not exist): a 422 unknown field, as is any other', async () => {
    const admin = await createTenantUser(t);
    for (const body of [
      { require_mfa: true },
      { name: 'Fine Name', require_mfa: false },
      { id: admin.tenantId },
    ]) {
      const res = await patchTenant(admin.headers, body);
      assert.equal(res.statusCode, 422, JSON.stringify(body));
      assert.equal(res.json().code, 'VALIDATION_FAILED');
    }
    assert.equal((await getTenant(admin.headers)).json().require_mfa, false);
    const empty = await patchTenant(admin.headers, {});
    assert.equal(empty.statusCode, 422);
  });

  test('API1:2023 an admin renames only the own tenant: another tenant is untouched and never shown', async () => {
    const a: TestIdentity = await createTenantUser(t);
    const b: TestIdentity = await createTenantUser(t);
    const bBefore = (await getTenant(b.headers)).json();
    const res = await patchTenant(a.headers, { name: 'Only A' });
    assert.equal(res.json().id, a.tenantId);
    assert.deepEqual((await getTenant(b.headers)).json(), bBefore);
    assert.notEqual((await getTenant(a.headers)).json().id, b.tenantId);
  });

  test('without a token both answer 401', async () => {
    assert.equal((await getTenant({})).statusCode, 401);
    assert.equal((await patchTenant({}, { name: 'x' })).statusCode, 401);
  });
});
