// Methods: TRACE and every method the service does not implement are 501; a known path asked with
// a method it lacks is 405 with Allow; a bare OPTIONS lists what the path allows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertSecurityHeaders } from './assert-headers.ts';

describe('request methods', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.put('/test/things/:id', async () => ({ ok: true }));
    t.app.delete('/test/things/:id', async () => ({ ok: true }));
    await t.app.ready();
  });
  after(() => t.close());

  for (const method of ['TRACE', 'CONNECT', 'PROPFIND', 'MKCOL', 'PURGE', 'LOCK'] as const) {
    for (const url of ['/health', '/api/v1/bots', '/no/such/path']) {
      test(`${method} ${url} is 501 NOT_IMPLEMENTED in the contract's shape`, async () => {
        const res = await t.app.inject({ method, url });
        assert.equal(res.statusCode, 501);
        assert.deepEqual(res.json(), { detail: 'Method not implemented', code: 'NOT_IMPLEMENTED' });
        assertSecurityHeaders(res.headers);
      });
    }
  }

  test('TRACE never echoes the request back', async () => {
    const res = await t.app.inject({
      method: 'TRACE',
      url: '/health',
      headers: { authorization: 'Bearer secret-token-value', cookie: 'session=abc' },
    });
    assert.doesNotMatch(res.body, /secret-token-value|session=abc/);
  });

  test('a known path asked with a method it lacks is 405 with Allow', async () => {
    const health = await t.app.inject({ method: 'DELETE', url: '/health' });
    assert.equal(health.statusCode, 405);
    assert.deepEqual(health.json(), { detail: 'Method Not Allowed', code: 'METHOD_NOT_ALLOWED' });
    assert.equal(health.headers.allow, 'GET, HEAD, OPTIONS');
    const thing = await t.app.inject({ method: 'POST', url: '/test/things/42' });
    assert.equal(thing.statusCode, 405);
    assert.equal(thing.headers.allow, 'DELETE, OPTIONS, PUT');
  });

  test('an authenticated route asked with the wrong method is 405 before authentication', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/bots' });
    assert.equal(res.statusCode, 405);
    assert.match(String(res.headers.allow), /GET/);
  });

  test('a bare OPTIONS (no CORS preflight) is 204 with Allow for a known path, 404 otherwise', async () => {
    const known = await t.app.inject({ method: 'OPTIONS', url: '/test/things/1' });
    assert.equal(known.statusCode, 204);
    assert.equal(known.headers.allow, 'DELETE, OPTIONS, PUT');
    const unknown = await t.app.inject({ method: 'OPTIONS', url: '/no/such/path' });
    assert.equal(unknown.statusCode, 404);
  });

  test('a path that matches no route stays 404 for every implemented method', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: '/test/things' });
      assert.equal(res.statusCode, 404, method);
      assert.equal(res.json().code, 'NOT_FOUND');
    }
  });

  test('HEAD works wherever GET does', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
  });
});
