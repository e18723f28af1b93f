// IP blocks, route limits and the client address, as a client sees them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { blockKey } from '../../src/features/protection/ip-blocks.ts';
import type { StateStore } from '../../src/platform/store/index.ts';
import { StoreUnavailableError } from '../../src/platform/store/index.ts';
import { createMemoryStore } from '../../src/platform/store/memory.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

const IP_10 = testIp();
const IP_11 = testIp();
const IP_12 = testIp();
const IP_13 = testIp();
const IP_14 = testIp();
const IP_15 = testIp();
const IP_20 = testIp();
const IP_21 = testIp();
const IP_22 = testIp();
const IP_23 = testIp();
const IP_30 = testIp();
const IP_40 = testIp();
const NET = testIp().split('.').slice(0, 3).join('.');

async function appWithProbe(env: Record<string, string> = {}, store?: StateStore): Promise<TestApp> {
  const t = await buildTestApp({ LOGIN_RATE_LIMIT: '3/minute', ...env }, store ? { store } : {});
  t.app.post('/probe/login', { config: { rateLimit: ['login'] } }, async (request) => ({ ip: request.ip }));
  t.app.get('/probe/open', async (request) => ({ ip: request.ip }));
  await t.app.ready();
  return t;
}

const post = (t: TestApp, remoteAddress: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/probe/login', remoteAddress, headers });

describe('route rate limits', () => {
  let t: TestApp;
  before(async () => {
    t = await appWithProbe();
  });
  after(() => t.close());

  test('the limit allows its quota, then answers 429 with Retry-After and RateLimit headers', async () => {
    const ip = IP_10;
    for (let i = 0; i < 3; i++) {
      const ok = await post(t, ip);
      assert.equal(ok.statusCode, 200);
      // draft-ietf-httpapi-ratelimit-headers-10: the policy, then what remains of it.
      assert.equal(ok.headers['ratelimit-policy'], '"login";q=3;w=60');
      assert.match(String(ok.headers.ratelimit), new RegExp(`^"login";r=${2 - i};t=\\d+$`));
    }
    const limited = await post(t, ip);
    assert.equal(limited.statusCode, 429);
    assert.deepEqual(limited.json(), { detail: 'Too many requests', code: 'RATE_LIMITED' });
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal(limited.headers.ratelimit, `"login";r=0;t=${retryAfter}`);
    assert.equal(limited.headers['ratelimit-policy'], '"login";q=3;w=60');
    assert.equal(limited.headers['ratelimit-limit'], undefined, 'the retired fields are gone');
  });

  test('a refused request is recorded as a rate_limited security event', async () => {
    const ip = IP_11;
    const since = new Date();
    for (let i = 0; i < 4; i++) await post(t, ip);
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ details: { limiter: string } }>(
        "SELECT details FROM security_events WHERE event_type = 'rate_limited' AND ip = $1 AND occurred_at >= $2",
        [ip, since],
      ),
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.details.limiter, 'login');
  });

  test('each client address has its own quota', async () => {
    for (let i = 0; i < 4; i++) await post(t, IP_12);
    assert.equal((await post(t, IP_13)).statusCode, 200);
  });

  test('without trusted proxies, rotating X-Forwarded-For gains nothing', async () => {
    const ip = IP_14;
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(t, ip, { 'x-forwarded-for': `${NET}.${i}` });
      codes.push(res.statusCode);
      if (res.statusCode === 200) assert.equal(res.json().ip, ip);
    }
    assert.deepEqual(codes, [200, 200, 200, 429, 429]);
  });

  test('routes without a limit are not counted', async () => {
    for (let i = 0; i < 6; i++) {
      assert.equal(
        (await t.app.inject({ method: 'GET', url: '/probe/open', remoteAddress: IP_15 })).statusCode,
        200,
      );
    }
  });
});

describe('client address behind trusted proxies', () => {
  let t: TestApp;
  before(async () => {
    t = await appWithProbe({ TRUSTED_PROXIES: '10.0.0.0/8' });
  });
  after(() => t.close());

  test('the right-most untrusted X-Forwarded-For entry is the client', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/probe/open',
      remoteAddress: '10.0.0.5',
      headers: { 'x-forwarded-for': `192.0.2.66, ${IP_20}, 10.0.0.9` },
    });
    assert.equal(res.json().ip, IP_20);
  });

  test('X-Forwarded-For from a peer that is not a trusted proxy is ignored', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/probe/open',
      remoteAddress: IP_21,
      headers: { 'x-forwarded-for': '192.0.2.1' },
    });
    assert.equal(res.json().ip, IP_21);
  });

  test('limits count the real client, not the proxy', async () => {
    const via = (client: string) => post(t, '10.0.0.5', { 'x-forwarded-for': client });
    for (let i = 0; i < 3; i++) assert.equal((await via(IP_22)).statusCode, 200);
    assert.equal((await via(IP_22)).statusCode, 429);
    assert.equal((await via(IP_23)).statusCode, 200, 'another client behind the same proxy');
  });
});

describe('IP blocks', () => {
  let t: TestApp;
  before(async () => {
    t = await appWithProbe();
  });
  after(() => t.close());

  test('every request from a blocked IP gets 403 until the block ends, except the probes', async () => {
    const ip = IP_30;
    await t.store.set(blockKey(ip), '{}', 200);
    for (const url of ['/probe/open', '/nowhere', '/api/v1/bots']) {
      const res = await t.app.inject({ method: 'GET', url, remoteAddress: ip });
      assert.equal(res.statusCode, 403, url);
      assert.equal(res.json().code, 'IP_BLOCKED');
      assert.ok(Number(res.headers['retry-after']) >= 1, 'with Retry-After');
    }
    // CONTRACT.md: /health, /ready and /metrics are never refused by an IP block.
    assert.equal((await t.app.inject({ method: 'GET', url: '/health', remoteAddress: ip })).statusCode, 200);
    assert.equal((await post(t, ip)).statusCode, 403);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(
      (await t.app.inject({ method: 'GET', url: '/probe/open', remoteAddress: ip })).statusCode,
      200,
    );
  });
});

describe('when the shared store is unreachable', () => {
  test('public routes keep answering and limits fall back to per-instance counting', async () => {
    const healthy = createMemoryStore();
    const down: StateStore = {
      ...healthy,
      batch: async () => {
        throw new StoreUnavailableError(new Error('ECONNREFUSED'));
      },
    };
    const t = await appWithProbe({}, down);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await post(t, IP_40)).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 429]);
    } finally {
      await t.close();
      await healthy.close();
    }
  });
});
