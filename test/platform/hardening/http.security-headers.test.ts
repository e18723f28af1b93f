// Every answer carries the security headers, whatever produced it: a route, the error handler,
// the 404 handler, the router's own refusals, the interactive reference.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import {
  API_CONTENT_SECURITY_POLICY,
  DOCS_CONTENT_SECURITY_POLICY,
} from '../../../src/platform/hardening/security-headers.ts';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertSecurityHeaders } from './assert-headers.ts';

describe('security headers', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    t.app.get('/boom', async () => {
      throw new Error('unexpected');
    });
    await t.app.ready();
  });
  after(() => t.close());

  const cases: [string, InjectOptions, number][] = [
    ['a successful answer', { url: '/health' }, 200],
    ['an unknown path', { url: '/no/such/path' }, 404],
    ['a refused credential', { url: '/api/v1/bots' }, 401],
    ['an unexpected error', { url: '/boom' }, 500],
    ['a malformed URL refused by the router', { url: '/%zz' }, 400],
    ['a method the path does not have', { method: 'DELETE', url: '/health' }, 405],
    ['TRACE', { method: 'TRACE', url: '/health' }, 501],
    ['the OpenAPI document', { url: '/openapi.json' }, 200],
    ['the redirect from /', { url: '/' }, 302],
  ];
  for (const [what, request, status] of cases) {
    test(`${what} (${status}) carries the API security headers`, async () => {
      const res = await t.app.inject(request);
      assert.equal(res.statusCode, status);
      assertSecurityHeaders(res.headers);
    });
  }

  test('the API policy lets nothing load, run or frame', () => {
    assert.match(API_CONTENT_SECURITY_POLICY, /^default-src 'none'/);
    assert.doesNotMatch(API_CONTENT_SECURITY_POLICY, /script-src|unsafe/);
  });

  test('the interactive reference gets its own policy: own scripts and styles only, nothing inline but by hash', async () => {
    for (const url of ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/static/index.css']) {
      const res = await t.app.inject({ url });
      assert.equal(res.statusCode, 200, url);
      assertSecurityHeaders(res.headers, DOCS_CONTENT_SECURITY_POLICY);
    }
    assert.match(DOCS_CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.match(DOCS_CONTENT_SECURITY_POLICY, /style-src 'self'( 'sha256-[A-Za-z0-9+/]+=*')*(;|$)/);
    assert.doesNotMatch(DOCS_CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|https:|\*/);
  });

  test('the reference page itself has no inline script or style that its policy would block', async () => {
    const html = (await t.app.inject({ url: '/docs/' })).body;
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0);
    for (const [, attributes, content] of scripts) {
      assert.match(attributes as string, /src="\.\/static\//);
      assert.equal((content as string).trim(), '');
    }
    assert.doesNotMatch(html, /<style|style="|on[a-z]+="/i);
  });

  test('plain HTTP outside production sends no HSTS', async () => {
    const res = await t.app.inject({ url: '/health' });
    assert.equal(res.headers['strict-transport-security'], undefined);
  });
});
