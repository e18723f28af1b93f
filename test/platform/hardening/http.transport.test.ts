// HTTPS in production: plain HTTP is refused unless a trusted proxy says the client used HTTPS;
// HSTS on secure answers; the operations endpoints answer private peers over plain HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  API_CONTENT_SECURITY_POLICY,
  DOCS_CONTENT_SECURITY_POLICY,
} from '../../../src/platform/hardening/security-headers.ts';
import { isLoopback, isPrivatePeer } from '../../../src/platform/hardening/transport.ts';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertSecurityHeaders } from './assert-headers.ts';

const PROXY = '10.0.0.2';
const PUBLIC_CLIENT = '203.0.113.9';
const production = { NODE_ENV: 'production', PASSWORD_HASH_COST: '12', TRUSTED_PROXIES: PROXY };

describe('HTTPS required in production', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(production);
    await t.app.ready();
  });
  after(() => t.close());

  test('plain HTTP is refused with 403 HTTPS_REQUIRED, for reads and writes alike', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/bots'],
      ['POST', '/api/v1/bots'],
      ['GET', '/openapi.json'],
      ['GET', '/docs/'],
    ] as const) {
      const res = await t.app.inject({ method, url, remoteAddress: PUBLIC_CLIENT });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
      assert.deepEqual(res.json(), { detail: 'HTTPS required', code: 'HTTPS_REQUIRED' });
      assert.equal(res.headers.location, undefined);
      assert.equal(res.headers['strict-transport-security'], undefined);
      assertSecurityHeaders(
        res.headers,
        url.startsWith('/docs') ? DOCS_CONTENT_SECURITY_POLICY : API_CONTENT_SECURITY_POLICY,
      );
    }
  });

  test('a trusted proxy forwarding HTTPS is served, with HSTS', async () => {
    const res = await t.app.inject({
      url: '/openapi.json',
      remoteAddress: PROXY,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': PUBLIC_CLIENT },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
  });

  test('the last X-Forwarded-Proto entry, the one the trusted proxy added, decides', async () => {
    const spoofed = await t.app.inject({
      url: '/openapi.json',
      remoteAddress: PROXY,
      headers: { 'x-forwarded-proto': 'https, http' },
    });
    assert.equal(spoofed.statusCode, 403);
  });

  test('a trusted proxy saying the client used plain HTTP is refused', async () => {
    const res = await t.app.inject({
      url: '/openapi.json',
      remoteAddress: PROXY,
      headers: { 'x-forwarded-proto': 'http' },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'HTTPS_REQUIRED');
  });

  test('X-Forwarded-Proto from anyone but a trusted proxy is ignored', async () => {
    for (const remoteAddress of [PUBLIC_CLIENT, '10.0.0.3', '127.0.0.1']) {
      const res = await t.app.inject({
        url: '/openapi.json',
        remoteAddress,
        headers: { 'x-forwarded-proto': 'https' },
      });
      assert.equal(res.statusCode, 403, remoteAddress);
    }
  });

  test('/health, /ready and /metrics answer plain HTTP from loopback and private peers', async () => {
    for (const remoteAddress of ['127.0.0.1', '::1', PROXY, '172.18.0.5', '192.168.1.20', 'fd00::5']) {
      const health = await t.app.inject({ url: '/health', remoteAddress });
      assert.equal(health.statusCode, 200, remoteAddress);
      assert.equal(health.headers['strict-transport-security'], undefined);
      // Not refused for plain HTTP: /ready answers what it checked (200, or a 503 naming a
      // dependency slower than its check on a loaded machine), never HTTPS_REQUIRED.
      const ready = await t.app.inject({ url: '/ready', remoteAddress });
      assert.ok([200, 503].includes(ready.statusCode), `${remoteAddress}: ${ready.statusCode}`);
      assert.ok('checks' in ready.json(), ready.body);
    }
    const metrics = await t.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' });
    assert.equal(metrics.statusCode, 200);
  });

  test('the operations endpoints refuse plain HTTP from public peers', async () => {
    for (const url of ['/health', '/ready', '/metrics']) {
      const res = await t.app.inject({ url, remoteAddress: PUBLIC_CLIENT });
      assert.equal(res.statusCode, 403, url);
      assert.equal(res.json().code, 'HTTPS_REQUIRED');
    }
  });

  test('the exemption is for reads of those exact paths only', async () => {
    for (const [method, url] of [
      ['POST', '/health'],
      ['GET', '/healthz'],
      ['GET', '/health/../api/v1/bots'],
    ] as const) {
      const res = await t.app.inject({ method, url, remoteAddress: '127.0.0.1' });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
    }
  });
});

describe('outside production', () => {
  test('plain HTTP is served, without HSTS', async () => {
    const t = await buildTestApp({ TRUSTED_PROXIES: PROXY });
    try {
      const res = await t.app.inject({ url: '/openapi.json', remoteAddress: PUBLIC_CLIENT });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['strict-transport-security'], undefined);
    } finally {
      await t.close();
    }
  });
});

describe('peer classification', () => {
  test('private peers are loopback, RFC 1918, ULA and link-local, in IPv4-mapped form too', () => {
    for (const address of [
      '127.0.0.1',
      '::1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      'fd12::1',
      'fe80::1',
    ]) {
      assert.equal(isPrivatePeer(address), true, address);
    }
    assert.equal(isPrivatePeer('::ffff:10.0.0.1'), true);
    for (const address of ['203.0.113.9', '8.8.8.8', '2001:db8::1', '100.64.0.1', 'not-an-ip', undefined]) {
      assert.equal(isPrivatePeer(address), false, String(address));
    }
  });

  test('loopback means 127.0.0.0/8 and ::1 only', () => {
    for (const address of ['127.0.0.1', '127.5.0.1', '::1', '::ffff:127.0.0.1']) {
      assert.equal(isLoopback(address), true, address);
    }
    for (const address of ['10.0.0.1', '::2', '1127.0.0.1', undefined]) {
      assert.equal(isLoopback(address), false, String(address));
    }
  });
});
