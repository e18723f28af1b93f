// The console's cookie mode: the refresh token in an HttpOnly cookie, and CSRF proof (double-submit
// token and an allowed Origin) on every request that the cookie authenticates.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { AUTH_TEST_ENV, bearer, me, PASSWORD, refresh, register, securityEvents } from './support.ts';

interface Cookie {
  name: string;
  value: string;
  path?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: string;
  maxAge?: number;
}

const ORIGIN = 'https://app.tradewise.com';

describe('refresh token in an HttpOnly cookie', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ ...AUTH_TEST_ENV, TRUSTED_PROXIES: '127.0.0.1' });
    await t.app.ready();
  });
  after(() => t.close());

  async function cookieLogin(headers: Record<string, string> = {}) {
    const account = await register(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { origin: ORIGIN, ...headers },
      payload: { username: account.email, password: PASSWORD, cookie: true },
    });
    assert.equal(res.statusCode, 200, res.body);
    const cookies = res.cookies as Cookie[];
    const jar = Object.fromEntries(cookies.map((c) => [c.name, c]));
    return { account, res, refreshCookie: jar.tw_refresh as Cookie, csrfCookie: jar.tw_csrf as Cookie };
  }

  const cookieRefresh = (
    refreshValue: string,
    csrf: string | undefined,
    headers: Record<string, string> = { origin: ORIGIN },
  ) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { tw_refresh: refreshValue, ...(csrf ? { tw_csrf: csrf } : {}) },
      headers: { ...headers, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      payload: {},
    });

  test('login with cookie: true sets an HttpOnly, SameSite=Strict refresh cookie on the auth path and keeps it out of the body', async () => {
    const { res, refreshCookie, csrfCookie } = await cookieLogin();
    assert.equal(res.json().refresh_token, undefined);
    assert.equal(typeof res.json().access_token, 'string');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(refreshCookie.value, /^rt1\./);
    assert.equal(refreshCookie.httpOnly, true);
    assert.equal(refreshCookie.sameSite, 'Strict');
    assert.equal(refreshCookie.path, '/api/v1/auth');
    assert.ok((refreshCookie.maxAge ?? 0) > 29 * 86_400);
    assert.notEqual(csrfCookie.httpOnly, true, 'the CSRF cookie is readable by the console');
    assert.equal(csrfCookie.sameSite, 'Strict');
    assert.ok(csrfCookie.value.length >= 32);
  });

  test('cookies are Secure when the request came over HTTPS', async () => {
    const plain = await cookieLogin();
    assert.notEqual(plain.refreshCookie.secure, true);
    const https = await cookieLogin({ 'x-forwarded-proto': 'https' });
    assert.equal(https.refreshCookie.secure, true);
    assert.equal(https.csrfCookie.secure, true);
  });

  test('the form login takes cookie=true as well', async () => {
    const account = await register(t);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      payload: new URLSearchParams({
        username: account.email,
        password: PASSWORD,
        cookie: 'true',
      }).toString(),
    });
    assert.equal(res.statusCode, 200);
    assert.ok((res.cookies as Cookie[]).some((c) => c.name === 'tw_refresh'));
  });

  test('a login asking for cookies from a foreign or unknown origin is refused before any credential check (login CSRF)', async () => {
    const account = await register(t);
    for (const headers of [{ origin: 'https://evil.example' }, {}]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams({
          username: account.email,
          password: PASSWORD,
          cookie: 'true',
        }).toString(),
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.cookies.length, 0);
    }
  });

  test('only the token route takes form bodies', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        email: 'form@example.test',
        password: PASSWORD,
        full_name: 'F',
      }).toString(),
    });
    assert.equal(res.statusCode, 415);
  });

  test('refresh by cookie with the CSRF token and our Origin rotates the cookie, with or without a body', async () => {
    const { refreshCookie, csrfCookie } = await cookieLogin();
    const res = await cookieRefresh(refreshCookie.value, csrfCookie.value);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().refresh_token, undefined);
    const next = (res.cookies as Cookie[]).find((c) => c.name === 'tw_refresh');
    assert.ok(next && next.value !== refreshCookie.value && next.httpOnly);
    assert.equal((await me(t, res.json().access_token)).statusCode, 200);
    const csrf = (res.cookies as Cookie[]).find((c) => c.name === 'tw_csrf')?.value as string;
    const bodiless = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { tw_refresh: next.value, tw_csrf: csrf },
      headers: { origin: ORIGIN, 'x-csrf-token': csrf },
    });
    assert.equal(bodiless.statusCode, 200, bodiless.body);
  });

  test("the request's own origin is allowed, as is a Referer when Origin is absent", async () => {
    const a = await cookieLogin();
    const own = await cookieRefresh(a.refreshCookie.value, a.csrfCookie.value, {
      origin: 'http://localhost:80',
    });
    assert.equal(own.statusCode, 200, own.body);
    const b = await cookieLogin();
    const referer = await cookieRefresh(b.refreshCookie.value, b.csrfCookie.value, {
      referer: `${ORIGIN}/settings`,
    });
    assert.equal(referer.statusCode, 200, referer.body);
  });

  test('refresh by cookie without the CSRF header, with a wrong one, or from a foreign origin is a 403 and changes nothing', async () => {
    const { refreshCookie, csrfCookie } = await cookieLogin();
    const before = (await securityEvents(t, 'unauthorized_access_attempt')).length;
    const attempts = [
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        cookies: { tw_refresh: refreshCookie.value, tw_csrf: csrfCookie.value },
        headers: { origin: ORIGIN },
        payload: {},
      }),
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        cookies: { tw_refresh: refreshCookie.value, tw_csrf: csrfCookie.value },
        headers: { origin: ORIGIN, 'x-csrf-token': `${csrfCookie.value.slice(1)}x` },
        payload: {},
      }),
      cookieRefresh(refreshCookie.value, csrfCookie.value, { origin: 'https://evil.example' }),
      cookieRefresh(refreshCookie.value, csrfCookie.value, {}),
    ];
    for (const res of await Promise.all(attempts)) {
      assert.equal(res.statusCode, 403);
      assert.deepEqual(res.json(), { detail: 'CSRF check failed', code: 'CSRF_CHECK_FAILED' });
    }
    assert.equal((await securityEvents(t, 'unauthorized_access_attempt')).length, before + attempts.length);
    assert.equal(
      (await cookieRefresh(refreshCookie.value, csrfCookie.value)).statusCode,
      200,
      'still unspent',
    );
  });

  test('a refresh token in the body needs no CSRF proof (a browser never sends it by itself)', async () => {
    const account = await register(t);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: account.email, password: PASSWORD },
    });
    assert.equal((await refresh(t, login.json().refresh_token)).statusCode, 200);
  });

  test('logout by cookie (with CSRF proof) ends the session and clears both cookies', async () => {
    const { refreshCookie, csrfCookie, res: login } = await cookieLogin();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { tw_refresh: refreshCookie.value, tw_csrf: csrfCookie.value },
      headers: { origin: ORIGIN, 'x-csrf-token': csrfCookie.value },
    });
    assert.equal(res.statusCode, 204);
    const cleared = Object.fromEntries((res.cookies as Cookie[]).map((c) => [c.name, c]));
    assert.equal(cleared.tw_refresh?.value, '');
    assert.equal(cleared.tw_csrf?.value, '');
    assert.equal((await cookieRefresh(refreshCookie.value, csrfCookie.value)).statusCode, 401);
    assert.equal((await me(t, login.json().access_token)).statusCode, 401, 'its access token is revoked too');
  });

  test('logout by cookie without CSRF proof is refused and the session lives on', async () => {
    const { refreshCookie, csrfCookie } = await cookieLogin();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { tw_refresh: refreshCookie.value, tw_csrf: csrfCookie.value },
      headers: { origin: 'https://evil.example', 'x-csrf-token': csrfCookie.value },
    });
    assert.equal(res.statusCode, 403);
    assert.equal((await cookieRefresh(refreshCookie.value, csrfCookie.value)).statusCode, 200);
  });

  test('a bearer request needs no CSRF proof, and the cookie mode works for password changes too', async () => {
    const { res: login, account } = await cookieLogin();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users/me/password',
      headers: bearer(login.json().access_token),
      payload: { current_password: account.password, new_password: 'Fresh-Ledger-77!', cookie: true },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().refresh_token, undefined);
    assert.ok((res.cookies as Cookie[]).some((c) => c.name === 'tw_refresh' && c.httpOnly));
  });
});
