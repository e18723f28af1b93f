// Refresh tokens: opaque, stored hashed, bound to a session, rotated on every use; a spent token
// presented again outside the grace window revokes the whole session (RFC 9700 §4.14.2).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { AUTH_TEST_ENV, bearer, loginOk, me, refresh, register, securityEvents } from './support.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('POST /auth/refresh', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  test('answers a new pair, uncacheable, with a new refresh token; the new access token works', async () => {
    const account = await register(t);
    const first = await loginOk(t, account.email);
    const res = await refresh(t, first.refresh_token);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const second = res.json();
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.notEqual(second.access_token, first.access_token);
    assert.equal(second.token_type, 'bearer');
    assert.equal((await me(t, second.access_token)).statusCode, 200);
  });

  test('the refresh token is opaque, at least 256 random bits, and stored only as its SHA-256', async () => {
    const account = await register(t);
    const { refresh_token: token } = await loginOk(t, account.email);
    const secret = token.split('.').at(-1) as string;
    assert.ok(Buffer.from(secret, 'base64url').length >= 32);
    const { rows } = await t.db.withOwner((q) =>
      q.query<Record<string, unknown>>('SELECT * FROM sessions WHERE user_id = $1', [account.userId]),
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.refresh_token_hash, sha256(token));
    assert.doesNotMatch(JSON.stringify(rows), new RegExp(secret));
  });

  test('the refreshed access token carries the roles the user has now', async () => {
    const admin = await register(t);
    const adminToken = (await loginOk(t, admin.email)).access_token;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(adminToken),
      payload: {
        email: `member-${Date.now()}@example.test`,
        password: 'Tr4ding-Desk!92',
        full_name: 'Member',
      },
    });
    const member = created.json();
    const tokens = await loginOk(t, member.email);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${member.id}`,
      headers: bearer(adminToken),
      payload: { roles: ['admin', 'user'] },
    });
    const res = await refresh(t, tokens.refresh_token);
    assert.equal(res.statusCode, 200);
    const claims = JSON.parse(Buffer.from(res.json().access_token.split('.')[1], 'base64url').toString());
    assert.deepEqual(claims.roles, ['admin', 'user']);
  });

  test('two refreshes of one token arriving together both succeed, with one working session', async () => {
    const account = await register(t);
    const { refresh_token: parent } = await loginOk(t, account.email);
    const [a, b] = await Promise.all([refresh(t, parent), refresh(t, parent)]);
    assert.equal(a.statusCode, 200, a.body);
    assert.equal(b.statusCode, 200, b.body);
    assert.equal(
      a.json().refresh_token,
      b.json().refresh_token,
      'both tabs continue with the same successor',
    );
    assert.equal((await me(t, a.json().access_token)).statusCode, 200);
    assert.equal((await me(t, b.json().access_token)).statusCode, 200);
    const next = await refresh(t, a.json().refresh_token);
    assert.equal(next.statusCode, 200, 'the session still rotates normally');
    const reuse = await securityEvents(t, 'refresh_token_reuse');
    assert.ok(!reuse.some((e) => e.user_id === account.userId), 'no reuse was detected');
  });

  test('a token two rotations old is reuse even inside the grace window: the session is revoked', async () => {
    const account = await register(t);
    const first = await loginOk(t, account.email);
    const second = (await refresh(t, first.refresh_token)).json();
    const third = (await refresh(t, second.refresh_token)).json();
    const res = await refresh(t, first.refresh_token);
    assert.equal(res.statusCode, 401);
    assert.equal(
      (await refresh(t, third.refresh_token)).statusCode,
      401,
      'the live token died with its session',
    );
    assert.equal((await me(t, third.access_token)).statusCode, 401, 'so did the access token it issued');
  });

  test('garbage, unknown sessions and access tokens are refused with 401 and token_invalid', async () => {
    const account = await register(t);
    const tokens = await loginOk(t, account.email);
    const [prefix, tenant, session] = tokens.refresh_token.split('.');
    const before = (await securityEvents(t, 'token_invalid')).length;
    const forged = [
      'nonsense',
      tokens.access_token,
      `${prefix}.${tenant}.${session}.${'A'.repeat(43)}`,
      `${prefix}.${tenant}.00000000-0000-4000-8000-000000000000.${'A'.repeat(43)}`,
    ];
    for (const token of forged) {
      const res = await refresh(t, token);
      assert.equal(res.statusCode, 401, token.slice(0, 30));
      assert.deepEqual(res.json(), { detail: 'Could not validate credentials', code: 'NOT_AUTHENTICATED' });
    }
    assert.equal((await securityEvents(t, 'token_invalid')).length, before + forged.length);
    assert.equal((await refresh(t, tokens.refresh_token)).statusCode, 200, 'a forged secret revokes nothing');
  });

  test('without a refresh token (body or cookie) the request is a 422', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: {} });
    assert.equal(res.statusCode, 422);
  });

  test('an expired session cannot be refreshed (token_expired)', async () => {
    const account = await register(t);
    const tokens = await loginOk(t, account.email);
    await t.db.withOwner((q) =>
      q.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1", [
        account.userId,
      ]),
    );
    const before = (await securityEvents(t, 'token_expired')).length;
    assert.equal((await refresh(t, tokens.refresh_token)).statusCode, 401);
    assert.equal((await securityEvents(t, 'token_expired')).length, before + 1);
  });

  test('after logout the session cannot be refreshed (token_revoked)', async () => {
    const account = await register(t);
    const tokens = await loginOk(t, account.email);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: bearer(tokens.access_token),
    });
    assert.equal(out.statusCode, 204);
    assert.equal((await refresh(t, tokens.refresh_token)).statusCode, 401);
    const events = await securityEvents(t, 'token_revoked');
    assert.ok(events.some((e) => e.user_id === account.userId));
  });
});

describe('refresh-token reuse after the grace window', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ ...AUTH_TEST_ENV, REFRESH_REUSE_GRACE_SECONDS: '0' });
    await t.app.ready();
  });
  after(() => t.close());

  test('presenting the spent parent revokes the whole session and raises refresh_token_reuse (critical)', async () => {
    const account = await register(t);
    const other = await loginOk(t, account.email);
    const first = await loginOk(t, account.email);
    const second = (await refresh(t, first.refresh_token)).json();
    const res = await refresh(t, first.refresh_token);
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), { detail: 'Could not validate credentials', code: 'NOT_AUTHENTICATED' });

    const events = (await securityEvents(t, 'refresh_token_reuse')).filter(
      (e) => e.user_id === account.userId,
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]?.severity, 'high');
    assert.equal(events[0]?.tenant_id, account.tenantId);

    assert.equal(
      (await refresh(t, second.refresh_token)).statusCode,
      401,
      'the current token of the family is dead',
    );
    assert.equal((await me(t, second.access_token)).statusCode, 401, 'and the access tokens it issued');
    assert.equal((await me(t, first.access_token)).statusCode, 401);
    assert.equal(
      (await me(t, other.access_token)).statusCode,
      200,
      "the user's other sessions are untouched",
    );
    assert.equal((await refresh(t, other.refresh_token)).statusCode, 200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /^token_revocations_total\{reason="refresh_token_reuse"\} 1$/m);
    assert.match(
      metrics.body,
      /^security_events_total\{event_type="refresh_token_reuse",severity="high"\} 1$/m,
    );
  });
});
