// A developer's own IP blocked by their own typos, as issue 16 met it: BRUTE_FORCE_MAX_ATTEMPTS
// wrong logins block the address; the 403 then says until when (and, in development, how to lift
// it), while the probes and the API reference keep answering.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

const METRICS_TOKEN = 'metrics-token-for-the-self-lockout-test-0123456789';

async function lockedOut(env: Record<string, string>): Promise<{ t: TestApp; ip: string }> {
  const t = await buildTestApp({
    BRUTE_FORCE_MAX_ATTEMPTS: '3',
    IP_BLOCK_SECONDS: '3600',
    LOGIN_RATE_LIMIT: '1000/minute',
    METRICS_TOKEN,
    ...env,
  });
  await t.app.ready();
  const ip = testIp();
  for (let i = 0; i < 3; i++) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: ip,
      payload: { username: 'new-user@example.com', password: `Typo-${i}-password!` },
    });
    assert.equal(res.statusCode, 401);
  }
  return { t, ip };
}

describe('an IP blocked after BRUTE_FORCE_MAX_ATTEMPTS wrong logins (development)', () => {
  let t: TestApp;
  let ip: string;
  before(async () => {
    ({ t, ip } = await lockedOut({}));
  });
  after(() => t.close());

  test('the 403 carries Retry-After and says in its detail until when, and how to lift it', async () => {
    const before = Date.now();
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/users/me', remoteAddress: ip });
    assert.equal(res.statusCode, 403);
    const body = res.json() as { detail: string; code: string };
    assert.equal(body.code, 'IP_BLOCKED');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    const until = /blocked until (\S+Z) \(Retry-After: (\d+) s\)/.exec(body.detail);
    assert.ok(until, body.detail);
    assert.equal(Number(until[2]), retryAfter);
    const endsAt = Date.parse(until[1] as string);
    assert.ok(Math.abs(endsAt - (before + retryAfter * 1000)) < 5_000, `${until[1]} is Retry-After from now`);
    assert.ok(
      body.detail.endsWith(`run "npx tradewise unblock-ip ${ip}" (development only hint)`),
      body.detail,
    );
  });

  test('/health, /ready and /metrics answer a blocked IP', async () => {
    for (const url of ['/health', '/ready']) {
      const res = await t.app.inject({ method: 'GET', url, remoteAddress: ip });
      assert.equal(res.statusCode, 200, url);
    }
    const metrics = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: ip,
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(metrics.statusCode, 200);
  });

  test('the API reference (/docs, its assets, /openapi.json) answers a blocked IP; the API does not', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/', remoteAddress: ip });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    const asset = /src="\.\/(static\/[^"]+\.js)"/.exec(page.body)?.[1];
    assert.ok(asset, 'the page loads a script from /docs/static');
    assert.equal(
      (await t.app.inject({ method: 'GET', url: `/docs/${asset}`, remoteAddress: ip })).statusCode,
      200,
    );
    const spec = await t.app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: ip });
    assert.equal(spec.statusCode, 200);
    assert.ok(spec.json().openapi);
    for (const url of ['/', '/api/v1/bots', '/docs-not-the-reference']) {
      assert.equal((await t.app.inject({ method: 'GET', url, remoteAddress: ip })).statusCode, 403, url);
    }
  });
});

describe('an IP block outside development', () => {
  test('NODE_ENV=test: the 403 says until when, and gives no command to lift it', async () => {
    const { t, ip } = await lockedOut({ NODE_ENV: 'test' });
    try {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/bots', remoteAddress: ip });
      assert.equal(res.statusCode, 403);
      const { detail } = res.json() as { detail: string };
      assert.match(detail, /^Access from this address is blocked until \S+Z \(Retry-After: \d+ s\)$/);
      assert.doesNotMatch(detail, /unblock-ip|development/);
    } finally {
      await t.close();
    }
  });
});
