// Issue 14, item 11: how request bodies are decoded. Invalid UTF-8 was silently stored as U+FFFD
// (RFC 8259 §8.1: JSON exchanged between systems MUST be UTF-8; a lossy decode changes what the
// client said), and `Content-Type: application/json` with no body at all was a 400 on routes that
// take no body (POST /auth/logout from a client that always sends the header).
import '../http/fixtures/network-guard.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp } from '../../helpers/app.ts';
import type { TestIdentity } from '../../helpers/identity.ts';
import { createTenantUser } from '../../helpers/identity.ts';
import { discoverRoutes, type FuzzRoute, urlOf } from '../../security/routes.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };
const ORIGIN = 'https://app.tradewise.com';
const NOT_UTF8 = 'Request body is not valid UTF-8';

/** `prefix`, then raw bytes, then `suffix`: a body no string can carry. */
const bytes = (prefix: string, raw: number[], suffix: string) =>
  Buffer.concat([Buffer.from(prefix, 'utf8'), Buffer.from(raw), Buffer.from(suffix, 'utf8')]);

// Byte sequences RFC 3629 forbids: a lead byte followed by no continuation (the 0xC3 0x28),
// a lone continuation byte, an overlong "/", an encoded surrogate (U+D800), a code point past U+10FFFF,
// and 0xFF, which never appears in UTF-8.
const INVALID_SEQUENCES = [
  [0xc3, 0x28],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xff],
];

describe('request body decoding (issue 14 item 11)', () => {
  let t: TestApp;
  let admin: TestIdentity;

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    admin = await createTenantUser(t, { roles: ['admin', 'user', 'operator'] });
  });
  after(() => t?.close());

  const usersNamed = async (email: string) =>
    (
      await t.db.withOwner((q) =>
        q.query<{ full_name: string }>('SELECT full_name FROM users WHERE email = $1', [email]),
      )
    ).rows;

  function assertNotUtf8(res: {
    statusCode: number;
    body: string;
    json(): { detail: unknown; code: string };
  }) {
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().detail, NOT_UTF8, res.body);
    assert.match(res.json().code, /^[A-Z][A-Z_]+$/);
  }

  test('raw bytes 0xC3 0x28 inside a JSON string are a 400 and nothing is stored', async () => {
    const email = `utf8-${Date.now()}@example.test`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: JSON_TYPE,
      payload: bytes(
        `{"email":"${email}","password":"Tr4ding-Desk!92","full_name":"Ada `,
        [0xc3, 0x28],
        '"}',
      ),
    });
    assertNotUtf8(res);
    assert.deepEqual(await usersNamed(email), [], 'no account was created');
  });

  test('every invalid UTF-8 sequence is refused, on a change to an existing record too (PATCH /users/me)', async () => {
    for (const raw of INVALID_SEQUENCES) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/users/me',
        headers: { ...admin.headers, ...JSON_TYPE },
        payload: bytes('{"full_name":"Ada ', raw, '"}'),
      });
      assertNotUtf8(res);
    }
    assert.deepEqual(await usersNamed(admin.email), [{ full_name: 'Test User' }], 'the name is unchanged');
  });

  test('valid UTF-8 (accents, astral characters) and a leading byte-order mark are still read as sent', async () => {
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: { ...admin.headers, ...JSON_TYPE },
      payload: Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('{"full_name":"Zoë 🦄 Händler"}'),
      ]),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().full_name, 'Zoë 🦄 Händler');
    const back = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: { ...admin.headers, ...JSON_TYPE },
      payload: { full_name: 'Test User' },
    });
    assert.equal(back.statusCode, 200, back.body);
  });

  test('a JSON escape of a lone surrogate (no UTF-8 exists for it) is a 422 on its field; an escaped pair is read', async () => {
    for (const sequence of ['\\ud800', '\\udfff', '\\ud83e\\ud83e']) {
      const res = await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/users/me',
        headers: { ...admin.headers, ...JSON_TYPE },
        payload: `{"full_name":"Ada ${sequence}"}`,
      });
      assert.equal(res.statusCode, 422, res.body);
      assert.deepEqual(res.json().detail[0].loc, ['body', 'full_name']);
    }
    assert.deepEqual(await usersNamed(admin.email), [{ full_name: 'Test User' }], 'the name is unchanged');
    const pair = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: { ...admin.headers, ...JSON_TYPE },
      payload: '{"full_name":"Ada \\ud83e\\udd84"}',
    });
    assert.equal(pair.statusCode, 200, pair.body);
    assert.equal(pair.json().full_name, 'Ada 🦄');
    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: { ...admin.headers, ...JSON_TYPE },
      payload: { full_name: 'Test User' },
    });
  });

  test('the login form of /auth/token refuses invalid UTF-8, raw or percent-encoded', async () => {
    const raw = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: FORM_TYPE,
      payload: bytes(`username=${encodeURIComponent(admin.email)}&password=a`, [0xc3, 0x28], 'b'),
    });
    assertNotUtf8(raw);
    for (const escaped of ['%C3%28', '%80', '%ED%A0%80', '%FF']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        headers: FORM_TYPE,
        payload: `username=${encodeURIComponent(admin.email)}&password=a${escaped}b`,
      });
      assertNotUtf8(res);
    }
    // Percent signs that escape nothing stay literal, as WHATWG form decoding keeps them.
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: FORM_TYPE,
      payload: `username=${encodeURIComponent(admin.email)}&password=${encodeURIComponent(admin.password)}&scope=100%zz`,
    });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test('every route with a JSON body refuses invalid UTF-8 with the same 400', async () => {
    const routes = (await discoverRoutes(t.app)).filter((r) => r.bodies['application/json'] !== undefined);
    assert.ok(routes.length >= 10, `only ${routes.length} routes with a JSON body`);
    for (const route of routes) {
      const res = await t.app.inject({
        method: route.method as 'POST',
        url: urlOf(route),
        headers: { ...admin.headers, ...JSON_TYPE },
        payload: bytes('{"name":"', [0xc3, 0x28], '"}'),
        remoteAddress: '198.51.100.61',
      });
      assertNotUtf8(res);
    }
  });
});

describe('an empty JSON body (issue 14 item 11)', () => {
  let t: TestApp;

  before(async () => {
    t = await buildTestApp({ TRUSTED_PROXIES: '127.0.0.1' });
    await t.app.ready();
  });
  after(() => t?.close());

  const emptyJson = (method: 'POST' | 'DELETE', url: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url, headers: { ...JSON_TYPE, ...headers }, payload: '' });

  test('POST /auth/logout and /auth/logout-all with Content-Type: application/json and no body end the sessions', async () => {
    const user = await createTenantUser(t, { roles: ['user'] });
    const logout = await emptyJson('POST', '/api/v1/auth/logout', user.headers);
    assert.equal(logout.statusCode, 204, logout.body);
    const other = await createTenantUser(t, { roles: ['user'] });
    const all = await emptyJson('POST', '/api/v1/auth/logout-all', other.headers);
    assert.equal(all.statusCode, 204, all.body);
    for (const who of [user, other]) {
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: who.headers });
      assert.equal(me.statusCode, 401, 'the token is revoked');
    }
  });

  test("the console's cookie refresh with an empty JSON body rotates the cookie", async () => {
    const user = await createTenantUser(t, { roles: ['user'] });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { origin: ORIGIN },
      payload: { username: user.email, password: user.password, cookie: true },
    });
    assert.equal(login.statusCode, 200, login.body);
    const jar = Object.fromEntries(
      (login.cookies as { name: string; value: string }[]).map((c) => [c.name, c.value]),
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { tw_refresh: jar.tw_refresh as string, tw_csrf: jar.tw_csrf as string },
      headers: { ...JSON_TYPE, origin: ORIGIN, 'x-csrf-token': jar.tw_csrf as string },
      payload: '',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(typeof res.json().access_token, 'string');
  });

  test('DELETE /users/me/sessions/{id} with Content-Type: application/json and no body ends that session', async () => {
    const user = await createTenantUser(t, { roles: ['user'] });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: user.email, password: user.password },
    });
    const token = login.json().access_token as string;
    const auth = { authorization: `Bearer ${token}` };
    const sessions = await t.app.inject({ method: 'GET', url: '/api/v1/users/me/sessions', headers: auth });
    const id = sessions.json().items[0].id as string;
    const res = await emptyJson('DELETE', `/api/v1/users/me/sessions/${id}`, auth);
    assert.equal(res.statusCode, 204, res.body);
  });

  test('every route that takes no body answers an empty JSON body as it answers no body', async () => {
    const routes = (await discoverRoutes(t.app)).filter(
      (r: FuzzRoute) =>
        r.documented &&
        ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) &&
        Object.keys(r.bodies).length === 0,
    );
    assert.ok(routes.length >= 6, `only ${routes.length} routes without a body`);
    for (const route of routes) {
      // A fresh identity each time: the first of the two requests may end the session it came with.
      const statuses: number[] = [];
      for (const headers of [{}, JSON_TYPE]) {
        const who = await createTenantUser(t, { roles: ['admin', 'user', 'operator'] });
        const res = await t.app.inject({
          method: route.method as 'POST',
          url: urlOf(
            route,
            route.pathParams[0]?.name === 'ip' ? '192.0.2.1' : '00000000-0000-4000-8000-000000000000',
          ),
          headers: { ...who.headers, ...headers },
          ...(Object.keys(headers).length > 0 ? { payload: '' } : {}),
          remoteAddress: '198.51.100.62',
        });
        statuses.push(res.statusCode);
      }
      assert.equal(statuses[1], statuses[0], `${route.method} ${route.path}`);
      assert.notEqual(statuses[1], 400, `${route.method} ${route.path}`);
    }
  });

  test('every route that requires a body still answers 422 for an empty JSON body, on the body', async () => {
    const routes = (await discoverRoutes(t.app)).filter((r) => r.bodies['application/json'] !== undefined);
    assert.ok(routes.length >= 10, `only ${routes.length} routes with a JSON body`);
    const who = await createTenantUser(t, { roles: ['admin', 'user', 'operator'] });
    for (const route of routes) {
      const res = await t.app.inject({
        method: route.method as 'POST',
        url: urlOf(route),
        headers: { ...who.headers, ...JSON_TYPE },
        payload: '',
        remoteAddress: '198.51.100.63',
      });
      const name = `${route.method} ${route.path}: ${res.body}`;
      assert.equal(res.statusCode, 422, name);
      assert.equal(res.json().code, 'VALIDATION_FAILED', name);
      assert.equal(res.json().detail[0].loc[0], 'body', name);
    }
  });
});
