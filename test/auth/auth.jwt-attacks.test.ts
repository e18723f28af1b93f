// Forged, altered and misplaced access tokens (RFC 8725; OWASP ASVS 3.5.3): each is a 401 with the
// one fixed message and a security event — never a 500, never a user.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, TEST_SECRET_KEY } from '../helpers/app.ts';
import { decodeHeader, decodePayload, ecToken, hmacToken, rsaToken, unsignedToken } from './forge.ts';
import { AUTH_TEST_ENV, bearer, loginOk, me, register, securityEvents } from './support.ts';

describe('forged access tokens', () => {
  let t: TestApp;
  let valid: string;
  let refreshToken: string;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;

  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
    const account = await register(t);
    const tokens = await loginOk(t, account.email);
    valid = tokens.access_token;
    refreshToken = tokens.refresh_token;
    header = decodeHeader(valid);
    claims = decodePayload(valid);
  });
  after(() => t.close());

  async function assertRefused(token: string, event: 'token_invalid' | 'token_expired' = 'token_invalid') {
    const before = (await securityEvents(t, event)).length;
    const res = await me(t, token);
    assert.equal(res.statusCode, 401, res.body);
    assert.deepEqual(res.json(), { detail: 'Could not validate credentials', code: 'NOT_AUTHENTICATED' });
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assert.equal((await securityEvents(t, event)).length, before + 1, `a ${event} event is recorded`);
  }

  const now = () => Math.floor(Date.now() / 1000);
  const withClaims = (changes: Record<string, unknown>, drop: string[] = []) => {
    const payload: Record<string, unknown> = { ...claims, ...changes };
    for (const name of drop) delete payload[name];
    return hmacToken(header, payload, TEST_SECRET_KEY);
  };

  test('the genuine token is accepted (the baseline the forgeries start from)', async () => {
    assert.equal((await me(t, valid)).statusCode, 200);
    assert.equal(header.alg, 'HS256');
    assert.equal(typeof header.kid, 'string');
    assert.deepEqual(Object.keys(claims).sort(), [
      'aud',
      'exp',
      'iat',
      'iss',
      'jti',
      'roles',
      'sub',
      'tenant_id',
      'user_id',
    ]);
    assert.equal(claims.iss, 'tradewise-api');
    assert.equal(claims.aud, 'tradewise-client');
  });

  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    test(`alg "${alg}" is refused, with or without a signature`, async () => {
      await assertRefused(unsignedToken({ ...header, alg }, claims));
      const signed = valid.split('.')[2];
      await assertRefused(`${unsignedToken({ ...header, alg }, claims)}${signed}`);
    });
  }

  test('HS384 and HS512, even signed with the real key, are refused', async () => {
    await assertRefused(hmacToken({ ...header, alg: 'HS384' }, claims, TEST_SECRET_KEY, 'sha384'));
    await assertRefused(hmacToken({ ...header, alg: 'HS512' }, claims, TEST_SECRET_KEY, 'sha512'));
  });

  test('RS256- and ES256-signed tokens are refused', async () => {
    await assertRefused(rsaToken(header, claims).token);
    await assertRefused(ecToken(header, claims).token);
  });

  test('a token carrying its own key (embedded jwk) is refused', async () => {
    const { publicKey } = rsaToken(header, claims);
    const jwk = publicKey.export({ format: 'jwk' });
    const { token } = rsaToken({ ...header, jwk }, claims);
    await assertRefused(token);
    // Even HS256 with the real key: a header that names its own key is forged by definition.
    await assertRefused(hmacToken({ ...header, jwk }, claims, TEST_SECRET_KEY));
  });

  test('a token pointing at its key (jku, x5u) is refused and nothing is fetched', async () => {
    await assertRefused(rsaToken({ ...header, jku: 'http://127.0.0.1:9/jwks.json' }, claims).token);
    await assertRefused(
      hmacToken({ ...header, jku: 'http://127.0.0.1:9/jwks.json' }, claims, TEST_SECRET_KEY),
    );
    await assertRefused(
      hmacToken({ ...header, x5u: 'http://127.0.0.1:9/cert.pem' }, claims, TEST_SECRET_KEY),
    );
  });

  test('a tampered payload under the original signature is refused', async () => {
    const [h, , s] = valid.split('.');
    const payload = Buffer.from(JSON.stringify({ ...claims, roles: ['admin', 'user', 'operator'] })).toString(
      'base64url',
    );
    await assertRefused(`${h}.${payload}.${s}`);
  });

  test('a token signed with another key, or naming an unknown kid, is refused', async () => {
    await assertRefused(hmacToken(header, claims, 'another-secret-key-that-is-long-enough-000'));
    await assertRefused(hmacToken({ ...header, kid: '0000000000000000' }, claims, TEST_SECRET_KEY));
  });

  test('wrong issuer or audience is refused', async () => {
    await assertRefused(withClaims({ iss: 'someone-else' }));
    await assertRefused(withClaims({ aud: 'another-client' }));
    await assertRefused(withClaims({ aud: ['another-client'] }));
  });

  for (const claim of ['iss', 'aud', 'exp', 'jti', 'tenant_id', 'sub', 'user_id', 'roles', 'iat']) {
    test(`a token without ${claim} is refused`, async () => {
      await assertRefused(withClaims({}, [claim]));
    });
  }

  test('claims of the wrong type are refused', async () => {
    await assertRefused(withClaims({ tenant_id: 'not-a-uuid' }));
    await assertRefused(withClaims({ roles: 'admin' }));
    await assertRefused(withClaims({ user_id: 123 }));
  });

  test('an expired token is refused with token_expired', async () => {
    await assertRefused(withClaims({ iat: now() - 7200, exp: now() - 3600 }), 'token_expired');
  });

  test('a token not valid before a future time (nbf) is refused', async () => {
    await assertRefused(withClaims({ nbf: now() + 3600 }));
  });

  test('a refresh token presented as an access token is refused', async () => {
    await assertRefused(refreshToken);
  });

  test('garbage is refused, not a 500', async () => {
    for (const token of ['a.b.c', 'abc', `${'A'.repeat(9000)}.b.c`, 'eyJhbGciOiJIUzI1NiJ9..', '...']) {
      const res = await me(t, token);
      assert.equal(res.statusCode, 401, token.slice(0, 20));
    }
  });

  test('a token in the query string does not authenticate (RFC 6750 §5.3)', async () => {
    for (const name of ['access_token', 'token', 'jwt']) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/users/me?${name}=${valid}` });
      assert.equal(res.statusCode, 401);
    }
  });

  test('a token in a cookie or a non-Bearer scheme does not authenticate', async () => {
    const cookie = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      cookies: { access_token: valid },
    });
    assert.equal(cookie.statusCode, 401);
    const basic = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Token ${valid}` },
    });
    assert.equal(basic.statusCode, 401);
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: bearer(valid) })).statusCode,
      200,
    );
  });
});

describe('signing-key rotation', () => {
  test('with SECRET_KEY "new,old" the new key signs and tokens signed with the old key still verify', async () => {
    const oldKey = 'old-secret-key-that-is-long-enough-0123456789';
    const newKey = 'new-secret-key-that-is-long-enough-0123456789';
    const before = await buildTestApp({ ...AUTH_TEST_ENV, SECRET_KEY: oldKey });
    await before.app.ready();
    let after: TestApp | undefined;
    try {
      const account = await register(before);
      const oldToken = (await loginOk(before, account.email)).access_token;
      after = await buildTestApp(
        { ...AUTH_TEST_ENV, SECRET_KEY: `${newKey},${oldKey}` },
        {
          db: before.db,
          store: before.store,
        },
      );
      await after.app.ready();
      assert.equal((await me(after, oldToken)).statusCode, 200);
      const newToken = (await loginOk(after, account.email)).access_token;
      assert.notEqual(decodeHeader(newToken).kid, decodeHeader(oldToken).kid);
      assert.equal((await me(after, newToken)).statusCode, 200);
      assert.equal(
        (await me(before, newToken)).statusCode,
        401,
        'the old-only service cannot verify the new key',
      );
    } finally {
      await after?.close();
      await before.close();
    }
  });

  test('a token without kid (as the original Python service issued) verifies against the first key only', async () => {
    const t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
    try {
      const account = await register(t);
      const claims = decodePayload((await loginOk(t, account.email)).access_token);
      const legacy = hmacToken({ alg: 'HS256', typ: 'JWT' }, claims, TEST_SECRET_KEY);
      assert.equal((await me(t, legacy)).statusCode, 200);
      const otherKey = hmacToken(
        { alg: 'HS256', typ: 'JWT' },
        claims,
        'some-other-key-that-is-long-enough-012345',
      );
      assert.equal((await me(t, otherKey)).statusCode, 401);
    } finally {
      await t.close();
    }
  });
});
