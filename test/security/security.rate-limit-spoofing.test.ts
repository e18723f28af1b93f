// Rate-limit bypass by spoofing the client address (OWASP API4:2023 Unrestricted Resource
// Consumption; ASVS 5.0 V2.4.1): no header a client can write moves it to a fresh quota, on any
// limited route, directly or through a trusted proxy. test/protection/request-gate.test.ts pins
// the X-Forwarded-For rules on a probe route; this file tries every header on the real routes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PASSWORD, uniqueEmail } from '../auth/support.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

const SPOOFABLE = [
  'x-forwarded-for',
  'x-real-ip',
  'forwarded',
  'true-client-ip',
  'cf-connecting-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-originating-ip',
  'fastly-client-ip',
];
const LIMITS = {
  LOGIN_RATE_LIMIT: '3/minute',
  REGISTER_RATE_LIMIT: '3/minute',
  REFRESH_RATE_LIMIT: '3/minute',
  TEST_CONNECTION_RATE_LIMIT: '3/minute',
};

/** A header value naming the fresh address `ip` in the header's own syntax. */
const spoof = (header: string, ip: string) => (header === 'forwarded' ? `for=${ip};proto=https` : ip);

const limitedRequests = (user: TestIdentity) =>
  [
    {
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: user.email, password: 'Wrong-pass-1!' },
    },
    // Valid registrations (201, then 409s): only attempts that could create an account count.
    {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: uniqueEmail('spoof'), password: PASSWORD, full_name: 'Spoof Test' },
    },
    { method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: 'not-a-token' } },
    {
      method: 'POST',
      url: '/api/v1/external-bots/test-connection',
      payload: { api_url: 'http://127.0.0.1:9/', api_token: 'probe-token-0123' },
      headers: user.headers,
    },
  ] as const;

async function statusesOf(
  t: TestApp,
  request: ReturnType<typeof limitedRequests>[number],
  headersFor: (i: number) => Record<string, string>,
  remoteAddress: string,
) {
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await t.app.inject({
      method: request.method,
      url: request.url,
      payload: request.payload,
      headers: { ...('headers' in request ? request.headers : {}), ...headersFor(i) },
      remoteAddress,
    });
    statuses.push(res.statusCode);
  }
  return statuses;
}

describe('API4:2023 limits against spoofed client addresses, without a trusted proxy', () => {
  let t: TestApp;
  let user: TestIdentity;
  before(async () => {
    t = await buildTestApp({ ...LIMITS, DEBUG: 'false' });
    await t.app.ready();
    user = await createTenantUser(t);
  });
  after(() => t?.close());

  for (const header of SPOOFABLE) {
    test(`API4:2023 rotating ${header} gains no request on login, register, refresh or connection tests`, async () => {
      for (const request of limitedRequests(user)) {
        const statuses = await statusesOf(
          t,
          request,
          () => ({ [header]: spoof(header, testIp()) }),
          testIp(),
        );
        assert.equal(statuses[3], 429, `${request.url} with ${header}: ${statuses}`);
        assert.ok(
          statuses.slice(0, 3).every((s) => s !== 429),
          `${request.url}: ${statuses}`,
        );
      }
    });
  }
});

describe('API4:2023 limits against spoofed client addresses, behind a trusted proxy', () => {
  let t: TestApp;
  let user: TestIdentity;
  const proxy = '10.0.0.7';
  before(async () => {
    t = await buildTestApp({ ...LIMITS, DEBUG: 'false', TRUSTED_PROXIES: '10.0.0.0/8' });
    await t.app.ready();
    user = await createTenantUser(t);
  });
  after(() => t?.close());

  test('API4:2023 through the proxy, only X-Forwarded-For counts: rotating any other header gains nothing', async () => {
    for (const header of SPOOFABLE.filter((h) => h !== 'x-forwarded-for')) {
      const client = testIp();
      const [login] = limitedRequests(user);
      const statuses = await statusesOf(
        t,
        login,
        () => ({ 'x-forwarded-for': client, [header]: spoof(header, testIp()) }),
        proxy,
      );
      assert.deepEqual(statuses, [401, 401, 401, 429], header);
    }
  });

  test('API4:2023 a client prepending addresses to X-Forwarded-For is still counted as itself', async () => {
    for (const request of limitedRequests(user)) {
      const client = testIp();
      const statuses = await statusesOf(
        t,
        request,
        () => ({ 'x-forwarded-for': `${testIp()}, ${testIp()}, ${client}` }),
        proxy,
      );
      assert.equal(statuses[3], 429, `${request.url}: ${statuses}`);
    }
  });
});
