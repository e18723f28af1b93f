// The signed-in user's own account and password.
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
  register,
  securityEvents,
} from '../auth/support.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

const NEW_PASSWORD = 'Fresh-Ledger-77!';

describe('GET and PATCH /users/me', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  test('GET /users/me answers the own account, uncacheable, without the hash', async () => {
    const account = await register(t);
    const res = await me(t, (await loginOk(t, account.email)).access_token);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.json().id, account.userId);
    assert.equal(res.json().email, account.email);
    assert.doesNotMatch(res.body, /password|\$2b\$/);
  });

  test('GET /users/me without a token is a 401 with WWW-Authenticate: Bearer', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/users/me' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer');
  });

  test('PATCH /users/me changes the full name and nothing else may be sent', async () => {
    const account = await register(t);
    const token = (await loginOk(t, account.email)).access_token;
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: bearer(token),
      payload: { full_name: 'Ada Lovelace' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().full_name, 'Ada Lovelace');
    for (const payload of [
      { roles: ['admin', 'user', 'operator'] },
      { email: 'x@example.test' },
      { is_active: true },
      {},
    ]) {
      const refused = await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/users/me',
        headers: bearer(token),
        payload,
      });
      assert.equal(refused.statusCode, 422, JSON.stringify(payload));
    }
    assert.deepEqual((await me(t, token)).json().roles, ['admin', 'user']);
  });
});

describe('POST /users/me/password', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  const change = (token: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/users/me/password', headers: bearer(token), payload });

  test('changes the password, revokes every session and token, and answers a fresh pair', async () => {
    const account = await register(t);
    const here = await loginOk(t, account.email);
    const elsewhere = await loginOk(t, account.email);
    const res = await change(here.access_token, { current_password: PASSWORD, new_password: NEW_PASSWORD });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const fresh = res.json();
    assert.equal((await me(t, fresh.access_token)).statusCode, 200);
    assert.equal((await refresh(t, fresh.refresh_token)).statusCode, 200);
    for (const old of [here, elsewhere]) {
      assert.equal((await me(t, old.access_token)).statusCode, 401);
      assert.equal((await refresh(t, old.refresh_token)).statusCode, 401);
    }
    assert.equal((await login(t, account.email, PASSWORD)).statusCode, 401);
    assert.equal((await login(t, account.email, NEW_PASSWORD)).statusCode, 200);
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [account.userId]),
    );
    assert.match(rows[0]?.password_hash ?? '', /^\$2b\$04\$/);
  });

  test('a wrong current password is a 400, a login_failed event, and changes nothing', async () => {
    const account = await register(t);
    const tokens = await loginOk(t, account.email);
    const before = (await securityEvents(t, 'login_failed')).length;
    const res = await change(tokens.access_token, {
      current_password: 'Not-The-One-1!',
      new_password: NEW_PASSWORD,
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { detail: 'Incorrect password', code: 'INCORRECT_PASSWORD' });
    const events = (await securityEvents(t, 'login_failed')).slice(before);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.tenant_id, account.tenantId);
    assert.equal((events[0]?.details as { context?: string } | undefined)?.context, 'password_change');
    assert.equal((await me(t, tokens.access_token)).statusCode, 200);
    assert.equal((await login(t, account.email, PASSWORD)).statusCode, 200);
  });

  test('the new password must meet the policy (422 at body.new_password) and differ from the current one', async () => {
    const account = await register(t);
    const { access_token: token } = await loginOk(t, account.email);
    const weak = await change(token, { current_password: PASSWORD, new_password: 'short' });
    assert.equal(weak.statusCode, 422);
    for (const issue of weak.json().detail) assert.deepEqual(issue.loc, ['body', 'new_password']);
    const same = await change(token, { current_password: PASSWORD, new_password: PASSWORD });
    assert.equal(same.statusCode, 422);
    assert.equal((await login(t, account.email, PASSWORD)).statusCode, 200);
  });
});
