// bcrypt-probe.ts replaces bcrypt.compare before the app loads bcrypt: the app is imported dynamically below.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { takeComparisons } from './bcrypt-probe.ts';
import {
  AUTH_TEST_ENV,
  bearer,
  login,
  me,
  PASSWORD,
  register,
  securityEvents,
  uniqueEmail,
} from './support.ts';

const { buildTestApp } = await import('../helpers/app.ts');

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('POST /auth/token', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  test('JSON {username, password} answers a bearer pair that must not be cached', async () => {
    const account = await register(t);
    const res = await login(t, account.email);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers.pragma, 'no-cache');
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
    assert.equal(body.token_type, 'bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal((await me(t, body.access_token)).statusCode, 200);
  });

  test('JSON {email, password} works too, and the e-mail is matched in its normalised form', async () => {
    const account = await register(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: `  ${account.email.toUpperCase()} `, password: PASSWORD },
    });
    assert.equal(res.statusCode, 200, res.body);
  });

  test("the OAuth2 password form works, with the extras FastAPI's form accepts", async () => {
    const account = await register(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: FORM,
      payload: form({
        grant_type: 'password',
        username: account.email,
        password: PASSWORD,
        scope: '',
        client_id: 'cli',
        client_secret: '',
      }),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('a form field given twice, a grant type other than password, or an unknown field is a 422', async () => {
    const account = await register(t);
    const twice = `username=${encodeURIComponent(account.email)}&password=x&password=${encodeURIComponent(PASSWORD)}`;
    for (const payload of [
      twice,
      form({ username: account.email, password: PASSWORD, grant_type: 'client_credentials' }),
      form({ username: account.email, password: PASSWORD, is_admin: 'true' }),
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', headers: FORM, payload });
      assert.equal(res.statusCode, 422, payload);
    }
  });

  test('JSON with both username and email, or neither, is a 422', async () => {
    for (const payload of [{ username: 'a@b.test', email: 'a@b.test', password: 'x' }, { password: 'x' }]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload });
      assert.equal(res.statusCode, 422);
    }
  });

  test('an unknown e-mail and a wrong password get the same status, body and headers', async () => {
    const account = await register(t);
    const wrong = await login(t, account.email, 'Wrong-Password-1!');
    const unknown = await login(t, uniqueEmail('ghost'), 'Wrong-Password-1!');
    for (const res of [wrong, unknown]) {
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json(), { detail: 'Incorrect username or password', code: 'INVALID_CREDENTIALS' });
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    }
    const names = (h: Record<string, unknown>) =>
      Object.keys(h)
        .filter((k) => !['x-request-id', 'date'].includes(k))
        .sort();
    assert.deepEqual(names(wrong.headers), names(unknown.headers));
    assert.equal(wrong.headers['content-length'], unknown.headers['content-length']);
  });

  test('an unknown e-mail spends exactly one bcrypt comparison at the configured cost, like a wrong password', async () => {
    const account = await register(t);
    takeComparisons();
    await login(t, account.email, 'Wrong-Password-1!');
    const wrongPath = takeComparisons();
    await login(t, uniqueEmail('ghost'), 'Wrong-Password-1!');
    const unknownPath = takeComparisons();
    assert.equal(wrongPath.length, 1);
    assert.equal(unknownPath.length, 1);
    const cost = (hash: string) => hash.slice(0, 7);
    assert.equal(cost(unknownPath[0] as string), cost(wrongPath[0] as string));
    assert.equal(cost(unknownPath[0] as string), '$2b$04$');
  });

  test('failed logins record login_failed, in the tenant of an existing account only, and count', async () => {
    const account = await register(t);
    const ghost = uniqueEmail('ghost');
    const before = (await securityEvents(t, 'login_failed')).length;
    await login(t, account.email, 'Wrong-Password-1!');
    await login(t, ghost, 'Wrong-Password-1!');
    const events = (await securityEvents(t, 'login_failed')).slice(before);
    const mine = events.find((e) => (e.details as { email?: string }).email === account.email);
    // A name that is no account is kept only as its keyed hash (issue 14 item 10).
    assert.ok(!events.some((e) => JSON.stringify(e.details).includes(ghost)));
    const theirs = events.find((e) => (e.details as { username_hash?: string }).username_hash !== undefined);
    assert.equal(mine?.tenant_id, account.tenantId);
    assert.equal(mine?.user_id, account.userId);
    assert.equal(theirs?.tenant_id, null);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /^failed_logins_total [1-9]\d*$/m);
    assert.match(metrics.body, /^auth_duration_seconds_count\{outcome="failure"\} [1-9]\d*$/m);
    assert.match(metrics.body, /^auth_duration_seconds_count\{outcome="success"\} [1-9]\d*$/m);
  });

  test('a deactivated user with the right password gets 400 Inactive user, never tokens', async () => {
    const account = await register(t);
    await t.db.withOwner((q) =>
      q.query('UPDATE users SET is_active = false WHERE id = $1', [account.userId]),
    );
    const res = await login(t, account.email);
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { detail: 'Inactive user', code: 'INACTIVE_USER' });
    const events = await securityEvents(t, 'inactive_user_access');
    assert.ok(events.some((e) => e.user_id === account.userId));
  });

  test('a successful login creates a session and is audited', async () => {
    const account = await register(t);
    const tokens = (await login(t, account.email)).json();
    const sessions = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/me/sessions',
      headers: bearer(tokens.access_token),
    });
    assert.equal(sessions.json().items.length, 1);
    const { rows } = await t.db.withOwner((q) =>
      q.query('SELECT 1 FROM audit_log WHERE tenant_id = $1 AND action = $2', [
        account.tenantId,
        'session.create',
      ]),
    );
    assert.equal(rows.length, 1);
  });
});

describe('password hash upgrade at login', () => {
  test('raising the configured cost upgrades a hash at the next successful login, and only then', async () => {
    const low = await buildTestApp(AUTH_TEST_ENV);
    await low.app.ready();
    const email = uniqueEmail('rehash');
    let high: TestApp | undefined;
    try {
      const account = await register(low, { email });
      const hashOf = async (app: TestApp) => {
        const { rows } = await app.db.withOwner((q) =>
          q.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [
            account.userId,
          ]),
        );
        return rows[0]?.password_hash ?? '';
      };
      assert.match(await hashOf(low), /^\$2b\$04\$/);
      high = await buildTestApp({ ...AUTH_TEST_ENV, PASSWORD_HASH_COST: '5' }, { db: low.db });
      await high.app.ready();
      assert.equal((await login(high, email, 'Wrong-Password-1!')).statusCode, 401);
      assert.match(await hashOf(high), /^\$2b\$04\$/, 'a failed login must not rehash');
      assert.equal((await login(high, email)).statusCode, 200);
      assert.match(await hashOf(high), /^\$2b\$05\$/);
      assert.equal((await login(high, email)).statusCode, 200, 'the upgraded hash verifies');
    } finally {
      await high?.close();
      await low.close();
    }
  });
});
