// The attacker's forged and misplaced tokens against EVERY authenticated route (OWASP API2:2023
// Broken Authentication; RFC 8725; ASVS 5.0 V9.1). test/auth/auth.jwt-attacks.test.ts examines
// each forgery in depth on one route (message, security event); this file proves that no route
// of the authenticated context, present or future, has a way round the one gate.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, TEST_SECRET_KEY } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser, issueToken } from '../helpers/identity.ts';
import { asymmetricToken, decodePart, hmacToken, unsignedToken } from './forge.ts';
import type { FuzzRoute } from './routes.ts';
import { authenticatedRoutes, discoverRoutes, urlOf } from './routes.ts';

const REFUSED = { detail: 'Could not validate credentials', code: 'NOT_AUTHENTICATED' };

describe('API2:2023 forged tokens on every authenticated route', () => {
  let t: TestApp;
  let admin: TestIdentity;
  let routes: FuzzRoute[];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  let refreshToken: string;

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    admin = await createTenantUser(t, { roles: ['admin', 'user', 'operator'] });
    routes = await authenticatedRoutes(t.app, await discoverRoutes(t.app));
    header = decodePart(admin.token, 0);
    claims = decodePart(admin.token, 1);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: admin.email, password: admin.password },
    });
    assert.equal(login.statusCode, 200, login.body);
    refreshToken = login.json().refresh_token;
  });
  after(() => t?.close());

  const send = (route: FuzzRoute, headers: Record<string, string>, query = '') =>
    t.app.inject({
      method: route.method as 'GET',
      url: `${urlOf(route)}${query}`,
      headers,
      remoteAddress: '198.51.100.10',
    });

  async function assertRefusedEverywhere(token: string) {
    for (const route of routes) {
      const res = await send(route, { authorization: `Bearer ${token}` });
      assert.equal(res.statusCode, 401, `${route.method} ${route.path}: ${res.body}`);
      assert.deepEqual(res.json(), REFUSED, `${route.method} ${route.path}`);
    }
  }

  const now = () => Math.floor(Date.now() / 1000);
  const resigned = (changes: Record<string, unknown>, headerChanges: Record<string, unknown> = {}) =>
    hmacToken({ ...header, ...headerChanges }, { ...claims, ...changes }, TEST_SECRET_KEY);

  test('API2:2023 (baseline) the genuine token gets past authentication on every one of them', async () => {
    assert.ok(routes.length >= 20, `only ${routes.length} authenticated routes found`);
    for (const route of routes) {
      // A fresh token each time: logout and logout-all revoke the one they are given.
      const res = await send(route, { authorization: `Bearer ${issueToken(t, admin)}` });
      assert.notEqual(res.statusCode, 401, `${route.method} ${route.path}: ${res.body}`);
    }
  });

  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    test(`API2:2023 alg "${alg}" is refused on every authenticated route`, async () => {
      await assertRefusedEverywhere(unsignedToken({ ...header, alg }, claims));
    });
  }

  test('API2:2023 HS384 and HS512 signed with the real key are refused on every authenticated route', async () => {
    await assertRefusedEverywhere(hmacToken({ ...header, alg: 'HS384' }, claims, TEST_SECRET_KEY, 'sha384'));
    await assertRefusedEverywhere(hmacToken({ ...header, alg: 'HS512' }, claims, TEST_SECRET_KEY, 'sha512'));
  });

  test('API2:2023 RS256- and ES256-signed tokens, with and without an embedded jwk, are refused everywhere', async () => {
    await assertRefusedEverywhere(asymmetricToken('rsa', header, claims).token);
    await assertRefusedEverywhere(asymmetricToken('ec', header, claims).token);
    const { publicKey } = asymmetricToken('rsa', header, claims);
    await assertRefusedEverywhere(
      asymmetricToken('rsa', { ...header, jwk: publicKey.export({ format: 'jwk' }) }, claims).token,
    );
  });

  test('API2:2023 a header naming its own key (jwk, jku, x5u) is refused everywhere, even signed with the real key', async () => {
    await assertRefusedEverywhere(resigned({}, { jwk: { kty: 'oct', k: 'AAAA' } }));
    await assertRefusedEverywhere(resigned({}, { jku: 'http://127.0.0.1:9/jwks.json' }));
    await assertRefusedEverywhere(resigned({}, { x5u: 'http://127.0.0.1:9/cert.pem' }));
  });

  test('API2:2023 a tampered payload under the genuine signature is refused everywhere', async () => {
    const [h, , signature] = admin.token.split('.');
    const payload = Buffer.from(JSON.stringify({ ...claims, tenant_id: crypto.randomUUID() })).toString(
      'base64url',
    );
    await assertRefusedEverywhere(`${h}.${payload}.${signature}`);
  });

  test('API2:2023 wrong issuer, wrong audience, expired and not-yet-valid tokens are refused everywhere', async () => {
    await assertRefusedEverywhere(resigned({ iss: 'someone-else' }));
    await assertRefusedEverywhere(resigned({ aud: 'another-client' }));
    await assertRefusedEverywhere(resigned({ iat: now() - 7200, exp: now() - 3600 }));
    await assertRefusedEverywhere(resigned({ nbf: now() + 3600 }));
  });

  test('API2:2023 a refresh token presented as an access token is refused everywhere', async () => {
    await assertRefusedEverywhere(refreshToken);
  });

  test('API2:2023 a genuine token in the query string authenticates nowhere (RFC 6750 §5.3)', async () => {
    for (const route of routes) {
      for (const name of ['access_token', 'token']) {
        const res = await send(route, {}, `?${name}=${admin.token}`);
        assert.equal(res.statusCode, 401, `${route.method} ${route.path}?${name}=`);
      }
    }
  });
});
