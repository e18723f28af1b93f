// CORS as the seed configures it: the listed origins only, with credentials, X-Request-ID exposed
// (and the rate-limit fields, so that a browser client can read a refusal's Retry-After).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertSecurityHeaders } from './assert-headers.ts';

const CONSOLE = 'https://app.tradewise.com';

function preflight(origin: string, url = '/api/v1/bots', method = 'POST') {
  return {
    method: 'OPTIONS' as const,
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  };
}

describe('CORS with the production default origins', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ CORS_ORIGINS: undefined });
    await t.app.ready();
  });
  after(() => t.close());

  test('the defaults are the two production origins', () => {
    assert.deepEqual([...t.config.corsOrigins], ['https://app.tradewise.com', 'https://tradewise.com']);
  });

  test('an allowed origin gets its own origin back, credentials, X-Request-ID and the rate-limit fields exposed', async () => {
    for (const origin of ['https://app.tradewise.com', 'https://tradewise.com']) {
      const res = await t.app.inject({ url: '/health', headers: { origin } });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['access-control-allow-origin'], origin);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      assert.equal(
        res.headers['access-control-expose-headers'],
        'X-Request-ID, Retry-After, RateLimit, RateLimit-Policy',
      );
      assert.match(String(res.headers.vary), /Origin/);
    }
  });

  test('error answers carry the grant too, so the console can read them', async () => {
    const res = await t.app.inject({ url: '/api/v1/bots', headers: { origin: CONSOLE } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['access-control-allow-origin'], CONSOLE);
  });

  test('a preflight from an allowed origin is 204 with methods, headers and credentials', async () => {
    const res = await t.app.inject(preflight(CONSOLE));
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.equal(res.headers['access-control-allow-origin'], CONSOLE);
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.equal(res.headers['access-control-allow-methods'], 'GET, POST, PUT, DELETE, PATCH');
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(', ');
    for (const header of ['authorization', 'content-type', 'x-request-id', 'x-csrf-token']) {
      assert.ok(allowed.includes(header), header);
    }
    assert.ok(Number(res.headers['access-control-max-age']) > 0);
    assertSecurityHeaders(res.headers);
  });

  test('a preflight for an authenticated route needs no token (browsers send none)', async () => {
    const res = await t.app.inject(preflight(CONSOLE, '/api/v1/bots/123', 'DELETE'));
    assert.equal(res.statusCode, 204);
  });

  const strangers = [
    'https://evil.example',
    'https://app.tradewise.com.evil.example',
    'https://evil-tradewise.com',
    'http://app.tradewise.com',
    'https://APP.tradewise.com',
    'null',
    'http://localhost:8080',
  ];
  for (const origin of strangers) {
    test(`the origin ${origin} gets no CORS header at all, on requests and preflights`, async () => {
      for (const request of [{ url: '/health', headers: { origin } }, preflight(origin)]) {
        const res = await t.app.inject(request);
        assert.ok(res.statusCode === 200 || res.statusCode === 204);
        for (const name of Object.keys(res.headers)) {
          assert.doesNotMatch(name, /^access-control-/, `${name} sent to ${origin}`);
        }
      }
    });
  }

  test('same-origin requests without an Origin header get no CORS headers', async () => {
    const res = await t.app.inject({ url: '/health' });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
  });
});

describe('CORS configuration', () => {
  test('DEBUG adds the development console origin', () => {
    const config = loadConfig({ DEBUG: 'true' });
    assert.ok(config.corsOrigins.includes('http://localhost:8080'));
    assert.ok(config.corsOrigins.includes(CONSOLE));
  });

  test('CORS_ORIGINS replaces the defaults, and only the listed origins are granted', async () => {
    const t = await buildTestApp({ CORS_ORIGINS: 'https://console.example.test' });
    try {
      const listed = await t.app.inject({
        url: '/health',
        headers: { origin: 'https://console.example.test' },
      });
      assert.equal(listed.headers['access-control-allow-origin'], 'https://console.example.test');
      const former = await t.app.inject({ url: '/health', headers: { origin: CONSOLE } });
      assert.equal(former.headers['access-control-allow-origin'], undefined);
    } finally {
      await t.close();
    }
  });
});
