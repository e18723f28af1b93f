// Issue 14, item 4: every answer carries the security headers and an allowed origin's CORS grant,
// whichever hook refuses it — an IP block's 403 (with Retry-After), a route limit's or a user
// throttle's 429 (with the IETF RateLimit-Policy / RateLimit fields), 401, 413, 415, 404, 405, 503
// — so that a browser client can read why it was refused and when to come back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createIpBlocks } from '../../../src/features/protection/ip-blocks.ts';
import { createUserThrottles } from '../../../src/features/protection/throttles.ts';
import type { StateStore } from '../../../src/platform/store/index.ts';
import { StoreUnavailableError } from '../../../src/platform/store/index.ts';
import { createMemoryStore } from '../../../src/platform/store/memory.ts';
import { testIp } from '../../helpers/addresses.ts';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp, serverShape } from '../../helpers/app.ts';
import type { TestIdentity } from '../../helpers/identity.ts';
import { createTenantUser } from '../../helpers/identity.ts';
import { assertCorsGrant, assertSecurityHeaders } from './assert-headers.ts';

const shape = serverShape ? 'PostgreSQL + Redis' : 'PGlite + in-process store';
const ORIGIN = 'https://app.tradewise.com';
const BLOCK_SECONDS = 900;

function assertFullHeaderSet(res: LightMyRequestResponse, status: number, code?: string): void {
  assert.equal(res.statusCode, status, res.body);
  if (code !== undefined) assert.equal(res.json().code, code);
  assertSecurityHeaders(res.headers);
  assertCorsGrant(res.headers, ORIGIN);
}

const login = (t: TestApp, remoteAddress: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    remoteAddress,
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    payload: { username: 'nobody@example.test', password: 'wrong-password' },
  });

describe(`early refusals keep their headers (${shape})`, () => {
  let t: TestApp;
  let user: TestIdentity;
  before(async () => {
    t = await buildTestApp({ LOGIN_RATE_LIMIT: '1/minute', BODY_LIMIT_BYTES: '1024' });
    await t.app.ready();
    user = await createTenantUser(t);
  });
  after(() => t.close());

  test("an IP block's 403 on a public route carries the headers, CORS and the block's Retry-After", async () => {
    const ip = testIp();
    await createIpBlocks({ db: t.db, store: t.store }).block(ip, BLOCK_SECONDS, 'test');
    for (const request of [
      { method: 'POST' as const, url: '/api/v1/auth/token', payload: {} },
      { method: 'GET' as const, url: '/api/v1/bots' },
      { method: 'GET' as const, url: '/no/such/path' },
    ]) {
      const res = await t.app.inject({ ...request, remoteAddress: ip, headers: { origin: ORIGIN } });
      assertFullHeaderSet(res, 403, 'IP_BLOCKED');
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > BLOCK_SECONDS - 30 && retryAfter <= BLOCK_SECONDS, `Retry-After ${retryAfter}`);
    }
  });

  test("a route limit's 429 carries the headers, CORS, Retry-After and the IETF RateLimit fields", async () => {
    const ip = testIp();
    const allowed = await login(t, ip);
    assert.equal(allowed.statusCode, 401);
    assert.equal(allowed.headers['ratelimit-policy'], '"login";q=1;w=60');
    assert.match(String(allowed.headers.ratelimit), /^"login";r=0;t=\d+$/);
    const res = await login(t, ip);
    assertFullHeaderSet(res, 429, 'RATE_LIMITED');
    assert.equal(res.headers['ratelimit-policy'], '"login";q=1;w=60');
    const match = /^"login";r=0;t=(\d+)$/.exec(String(res.headers.ratelimit));
    assert.ok(match, String(res.headers.ratelimit));
    assert.equal(res.headers['retry-after'], match[1]);
    for (const retired of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
      assert.equal(res.headers[retired], undefined, retired);
    }
  });

  test("a user throttle's 429 carries the headers, CORS, Retry-After and the RateLimit fields", async () => {
    const throttled = await createTenantUser(t);
    await createUserThrottles({ db: t.db, store: t.store }).throttle(throttled.userId, 120);
    const res = await t.app.inject({
      url: '/api/v1/users/me',
      headers: { ...throttled.headers, origin: ORIGIN },
    });
    assertFullHeaderSet(res, 429, 'USER_THROTTLED');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter > 90 && retryAfter <= 120, `Retry-After ${retryAfter}`);
    assert.match(String(res.headers['ratelimit-policy']), /^"user";q=\d+;w=60$/);
    assert.equal(res.headers.ratelimit, `"user";r=0;t=${retryAfter}`);
  });

  const cases: [string, InjectOptions, number][] = [
    ['a missing token', { url: '/api/v1/bots' }, 401],
    ['a forged token', { url: '/api/v1/bots', headers: { authorization: 'Bearer x.y.z' } }, 401],
    [
      'a body over the limit',
      {
        method: 'POST',
        url: '/api/v1/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ padding: 'x'.repeat(4096) }),
      },
      413,
    ],
    [
      'an unsupported content type',
      {
        method: 'POST',
        url: '/api/v1/auth/register',
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      },
      415,
    ],
    ['an unknown path', { url: '/no/such/path' }, 404],
    ['a malformed URL refused by the router', { url: '/%zz' }, 400],
    ['a method the path does not have', { method: 'DELETE', url: '/health' }, 405],
  ];
  for (const [what, request, status] of cases) {
    test(`${what} (${status}) from an allowed origin carries the headers and CORS`, async () => {
      const res = await t.app.inject({
        ...request,
        remoteAddress: testIp(),
        headers: { ...(request.headers as Record<string, string>), origin: ORIGIN },
      });
      assertFullHeaderSet(res, status);
    });
  }

  test('an authenticated answer keeps them too', async () => {
    const res = await t.app.inject({ url: '/api/v1/users/me', headers: { ...user.headers, origin: ORIGIN } });
    assertFullHeaderSet(res, 200);
  });
});

describe(`a 503 keeps its headers (${shape})`, () => {
  let t: TestApp;
  const healthy = createMemoryStore();
  const down: StateStore = {
    ...healthy,
    batch: async () => {
      throw new StoreUnavailableError(new Error('ECONNREFUSED'));
    },
  };
  before(async () => {
    t = await buildTestApp({}, { store: down });
    await t.app.ready();
  });
  after(async () => {
    await t.close();
    await healthy.close();
  });

  test('an unreachable state store (503) from an allowed origin carries the headers and CORS', async () => {
    const user = await createTenantUser(t);
    const res = await t.app.inject({ url: '/api/v1/bots', headers: { ...user.headers, origin: ORIGIN } });
    assertFullHeaderSet(res, 503, 'SERVICE_UNAVAILABLE');
    assert.equal(res.headers['retry-after'], '5');
  });
});
