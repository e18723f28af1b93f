// Revocation is immediate, spans instances sharing the state store, and is checked in the same
// store round trip as the token: logout (one token and its session), logout-all (everything).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issuedAtMs, revokedByMark, uuidV7 } from '../../src/features/auth/revocation.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { decodePayload } from './forge.ts';
import { AUTH_TEST_ENV, bearer, loginOk, me, refresh, register, securityEvents } from './support.ts';

const post = (t: TestApp, url: string, token: string) =>
  t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: bearer(token) });

describe('logout and logout-all', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  test('logout revokes the presented token and its session at once, and nothing else', async () => {
    const account = await register(t);
    const kept = await loginOk(t, account.email);
    const ended = await loginOk(t, account.email);
    const res = await post(t, '/auth/logout', ended.access_token);
    assert.equal(res.statusCode, 204);
    assert.equal((await me(t, ended.access_token)).statusCode, 401);
    assert.equal((await refresh(t, ended.refresh_token)).statusCode, 401);
    assert.equal((await me(t, kept.access_token)).statusCode, 200);
    assert.equal((await refresh(t, kept.refresh_token)).statusCode, 200);
    const revoked = (await securityEvents(t, 'token_revoked')).filter((e) => e.user_id === account.userId);
    assert.ok(revoked.length >= 1, 'presenting the revoked token is a token_revoked event');
  });

  test("logout keeps the jti revoked until the token's own expiry, no longer", async () => {
    const account = await register(t);
    const tokens = await loginOk(t, account.email);
    const claims = decodePayload(tokens.access_token) as { jti: string; exp: number };
    await post(t, '/auth/logout', tokens.access_token);
    const remaining = claims.exp * 1000 - Date.now();
    const ttl = await t.store.ttl(`revoked:jti:${claims.jti}`);
    // The entry ends with the token (to within the few milliseconds between the clocks read), and
    // not seconds early either.
    assert.ok(
      ttl !== null && ttl <= remaining + 1_000 && ttl > remaining - 10_000,
      `ttl ${ttl} vs ${remaining}`,
    );
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ expires_at: Date }>(
        "SELECT expires_at FROM token_revocations WHERE kind = 'jti' AND subject = $1",
        [claims.jti],
      ),
    );
    assert.equal(new Date(rows[0]?.expires_at as Date).getTime(), claims.exp * 1000);
  });

  test('logout also revokes the access tokens issued earlier by the same session', async () => {
    const account = await register(t);
    const first = await loginOk(t, account.email);
    const second = (await refresh(t, first.refresh_token)).json();
    assert.equal((await post(t, '/auth/logout', second.access_token)).statusCode, 204);
    assert.equal((await me(t, first.access_token)).statusCode, 401);
  });

  test('logout without credentials is a 401; a revoked token cannot log out twice', async () => {
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout' });
    assert.equal(anonymous.statusCode, 401);
    const account = await register(t);
    const tokens = await loginOk(t, account.email);
    assert.equal((await post(t, '/auth/logout', tokens.access_token)).statusCode, 204);
    assert.equal((await post(t, '/auth/logout', tokens.access_token)).statusCode, 401);
  });

  test('a token issued without a session (no refresh token) is revoked by logout too', async () => {
    const identity = await createTenantUser(t);
    assert.equal((await post(t, '/auth/logout', identity.token)).statusCode, 204);
    assert.equal((await me(t, identity.token)).statusCode, 401);
  });

  test('logout-all ends every session and refuses every access token issued before it', async () => {
    const account = await register(t);
    const a = await loginOk(t, account.email);
    const b = await loginOk(t, account.email);
    const res = await post(t, '/auth/logout-all', a.access_token);
    assert.equal(res.statusCode, 204);
    for (const tokens of [a, b]) {
      assert.equal((await me(t, tokens.access_token)).statusCode, 401);
      assert.equal((await refresh(t, tokens.refresh_token)).statusCode, 401);
    }
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /^token_revocations_total\{reason="logout_all"\} [1-9]\d*$/m);
  });

  test('a token issued right after logout-all works and one issued right before it does not, even within one second', async () => {
    const account = await register(t);
    let sameSecond = false;
    for (let attempt = 0; attempt < 10 && !sameSecond; attempt++) {
      const before = await loginOk(t, account.email);
      assert.equal((await post(t, '/auth/logout-all', before.access_token)).statusCode, 204);
      const afterwards = await loginOk(t, account.email);
      assert.equal((await me(t, before.access_token)).statusCode, 401);
      assert.equal((await me(t, afterwards.access_token)).statusCode, 200);
      sameSecond = decodePayload(before.access_token).iat === decodePayload(afterwards.access_token).iat;
    }
    assert.ok(sameSecond, 'the same-second case was exercised');
  });
});

describe('issue time and the revoked-before mark', () => {
  test('a UUIDv7 jti of the same second gives the millisecond; anything else the start of iat', () => {
    const ms = 1_700_000_000_123;
    const jti = uuidV7(ms, Buffer.alloc(10, 0xab));
    assert.match(jti, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(issuedAtMs({ iat: 1_700_000_000, jti }), ms);
    assert.equal(
      issuedAtMs({ iat: 1_700_000_001, jti }),
      1_700_000_001_000,
      'a jti of another second is ignored',
    );
    assert.equal(
      issuedAtMs({ iat: 1_700_000_000, jti: 'd9428888-122b-11e1-b85c-61cd3cbb3210' }),
      1_700_000_000_000,
    );
  });

  test('tokens issued at or before the mark are refused, later ones are not', () => {
    assert.equal(revokedByMark(1000, '1000'), true);
    assert.equal(revokedByMark(999, '1000'), true);
    assert.equal(revokedByMark(1001, '1000'), false);
    assert.equal(revokedByMark(1001, null), false);
  });
});

describe('revocation across instances', () => {
  test('a logout on one instance is refused by another sharing the state store, at once', async () => {
    const one = await buildTestApp(AUTH_TEST_ENV);
    await one.app.ready();
    const two = await buildTestApp(AUTH_TEST_ENV, { db: one.db, store: one.store });
    await two.app.ready();
    try {
      const account = await register(one);
      const tokens = await loginOk(one, account.email);
      assert.equal((await me(two, tokens.access_token)).statusCode, 200);
      assert.equal((await post(one, '/auth/logout', tokens.access_token)).statusCode, 204);
      assert.equal((await me(two, tokens.access_token)).statusCode, 401);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
