// Tenant administration: admins manage their own tenant's users and nobody else's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AUTH_TEST_ENV,
  bearer,
  login,
  loginOk,
  me,
  PASSWORD,
  refresh,
  securityEvents,
  uniqueEmail,
} from '../auth/support.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { addUser, deleteUser, patchUser, registerAdmin } from './support.ts';

describe('tenant user administration', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  test('POST /users creates a user in the admin\'s tenant with roles ["user"] by default', async () => {
    const admin = await registerAdmin(t);
    const member = await addUser(t, admin);
    const res = await me(t, member.token);
    assert.equal(res.json().tenant_id, admin.tenantId);
    assert.deepEqual(res.json().roles, ['user']);
  });

  test('POST /users may grant admin, never operator, and refuses unknown fields', async () => {
    const admin = await registerAdmin(t);
    const second = await addUser(t, admin, ['admin']);
    assert.deepEqual((await me(t, second.token)).json().roles, ['admin']);
    for (const payload of [
      { email: uniqueEmail(), password: PASSWORD, full_name: 'Op', roles: ['operator'] },
      { email: uniqueEmail(), password: PASSWORD, full_name: 'X', tenant_id: admin.tenantId },
      { email: uniqueEmail(), password: PASSWORD, full_name: 'X', roles: [] },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: bearer(admin.token),
        payload,
      });
      assert.equal(res.statusCode, 422, JSON.stringify(payload));
    }
  });

  test('POST /users enforces the password policy and platform-wide e-mail uniqueness', async () => {
    const admin = await registerAdmin(t);
    const other = await registerAdmin(t);
    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(admin.token),
      payload: { email: uniqueEmail(), password: 'password', full_name: 'X' },
    });
    assert.equal(weak.statusCode, 422);
    const taken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(admin.token),
      payload: { email: other.email.toUpperCase(), password: PASSWORD, full_name: 'X' },
    });
    assert.equal(taken.statusCode, 409);
  });

  test("GET /users lists only the tenant's users, without password hashes, page by page", async () => {
    const admin = await registerAdmin(t);
    await registerAdmin(t); // another tenant
    const members = [await addUser(t, admin), await addUser(t, admin)];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/users?limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(admin.token) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.doesNotMatch(res.body, /password|\$2b\$/);
      const body = res.json();
      assert.ok(body.items.length <= 1);
      seen.push(...body.items.map((u: { id: string }) => u.id));
      cursor = body.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(seen, [admin.userId, ...members.map((m) => m.userId)]);
  });

  test('GET /users refuses a limit outside 1..100 and a cursor it did not issue', async () => {
    const admin = await registerAdmin(t);
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=bm9wZQ', 'cursor=%5B%5D']) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/users?${query}`,
        headers: bearer(admin.token),
      });
      assert.equal(res.statusCode, 422, query);
    }
  });

  test('a user without the admin role gets 403 on every admin route, and a security event', async () => {
    const admin = await registerAdmin(t);
    const member = await addUser(t, admin);
    const before = (await securityEvents(t, 'unauthorized_access_attempt')).length;
    const attempts = [
      t.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(member.token) }),
      t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: bearer(member.token),
        payload: { email: uniqueEmail(), password: PASSWORD, full_name: 'X' },
      }),
      patchUser(t, member, member.userId, { roles: ['admin', 'user'] }),
      deleteUser(t, member, admin.userId),
    ];
    for (const res of await Promise.all(attempts)) assert.equal(res.statusCode, 403);
    assert.equal((await securityEvents(t, 'unauthorized_access_attempt')).length, before + attempts.length);
    assert.deepEqual((await me(t, admin.token)).json().roles, ['admin', 'user']);
  });

  test("another tenant's user is not found (404), and is left unchanged", async () => {
    const admin = await registerAdmin(t);
    const stranger = await registerAdmin(t);
    assert.equal((await patchUser(t, admin, stranger.userId, { is_active: false })).statusCode, 404);
    assert.equal((await deleteUser(t, admin, stranger.userId)).statusCode, 404);
    assert.equal((await me(t, stranger.token)).statusCode, 200);
  });

  test("deactivation: the user's tokens answer 400 Inactive user, sessions end, login is refused; reactivation restores login only", async () => {
    const admin = await registerAdmin(t);
    const member = await addUser(t, admin);
    const res = await patchUser(t, admin, member.userId, { is_active: false });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().is_active, false);
    const inactive = await me(t, member.token);
    assert.equal(inactive.statusCode, 400);
    assert.deepEqual(inactive.json(), { detail: 'Inactive user', code: 'INACTIVE_USER' });
    assert.ok((await securityEvents(t, 'inactive_user_access')).some((e) => e.user_id === member.userId));
    assert.equal((await refresh(t, member.refreshToken)).statusCode, 401);
    assert.equal((await login(t, member.email)).statusCode, 400);

    assert.equal((await patchUser(t, admin, member.userId, { is_active: true })).statusCode, 200);
    assert.equal((await me(t, member.token)).statusCode, 401, 'tokens from before stay dead');
    assert.equal((await me(t, (await loginOk(t, member.email)).access_token)).statusCode, 200);
  });

  test('a role change refuses the tokens carrying the old roles; the next refresh carries the new ones', async () => {
    const admin = await registerAdmin(t);
    const member = await addUser(t, admin, ['admin', 'user']);
    const res = await patchUser(t, admin, member.userId, { roles: ['user'] });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().roles, ['user']);
    assert.equal((await me(t, member.token)).statusCode, 401);
    const renewed = await refresh(t, member.refreshToken);
    assert.equal(renewed.statusCode, 200, 'the session survives a role change');
    const listing = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: bearer(renewed.json().access_token),
    });
    assert.equal(listing.statusCode, 403, 'no longer an admin');
  });

  test('nobody raises their own roles', async () => {
    const admin = await registerAdmin(t);
    const adminOnly = await addUser(t, admin, ['admin']);
    const res = await patchUser(t, adminOnly, adminOnly.userId, { roles: ['admin', 'user'] });
    assert.equal(res.statusCode, 403);
    assert.deepEqual((await me(t, adminOnly.token)).json().roles, ['admin']);
    assert.equal(
      (await patchUser(t, adminOnly, adminOnly.userId, { full_name: 'Still Me' })).statusCode,
      200,
    );
  });

  test('the last active admin cannot be demoted, deactivated or deleted', async () => {
    const admin = await registerAdmin(t);
    for (const res of [
      await patchUser(t, admin, admin.userId, { roles: ['user'] }),
      await patchUser(t, admin, admin.userId, { is_active: false }),
      await deleteUser(t, admin, admin.userId),
    ]) {
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'LAST_ADMIN');
    }
    assert.deepEqual((await me(t, admin.token)).json().roles, ['admin', 'user']);
  });

  test('two admins demoting each other at once leave exactly one admin', async () => {
    const a = await registerAdmin(t);
    const b = await addUser(t, a, ['admin', 'user']);
    const results = await Promise.all([
      patchUser(t, a, b.userId, { roles: ['user'] }),
      patchUser(t, b, a.userId, { roles: ['user'] }),
    ]);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 409]);
    const { rows } = await t.db.withOwner((q) =>
      q.query("SELECT id FROM users WHERE tenant_id = $1 AND 'admin' = ANY (roles) AND is_active", [
        a.tenantId,
      ]),
    );
    assert.equal(rows.length, 1);
  });

  test('an admin may demote another admin while one remains; deleting a user refuses their tokens and login', async () => {
    const admin = await registerAdmin(t);
    const second = await addUser(t, admin, ['admin', 'user']);
    assert.equal((await patchUser(t, admin, second.userId, { roles: ['user'] })).statusCode, 200);
    const res = await deleteUser(t, admin, second.userId);
    assert.equal(res.statusCode, 204);
    assert.equal((await me(t, second.token)).statusCode, 401);
    assert.equal((await refresh(t, second.refreshToken)).statusCode, 401);
    assert.equal((await login(t, second.email)).statusCode, 401);
    assert.equal((await deleteUser(t, admin, second.userId)).statusCode, 404);
  });

  test('administration is audited with field names, never values', async () => {
    const admin = await registerAdmin(t);
    const member = await addUser(t, admin);
    await patchUser(t, admin, member.userId, { full_name: 'Renamed', is_active: false });
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ action: string; changes: { fields: string[] } }>(
        "SELECT action, changes FROM audit_log WHERE tenant_id = $1 AND resource_type = 'user' ORDER BY id",
        [admin.tenantId],
      ),
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['user.register', 'user.create', 'user.deactivate'],
    );
    assert.deepEqual(rows[2]?.changes.fields.sort(), ['full_name', 'is_active']);
    assert.doesNotMatch(JSON.stringify(rows), new RegExp(PASSWORD.replace(/[!-]/g, '.')));
  });
});
