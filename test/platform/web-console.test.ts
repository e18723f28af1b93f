// How the service serves the built console (src/platform/web-console.ts), over a small build of
// its own in a temporary folder: each console path answers index.html under the console's CSP and
// no-store; hashed assets are immutable and sent compressed when the client accepts it; the API's
// own answers (unknown API paths, the docs) are untouched; without a build `/` is the redirect to
// the reference.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { CONSOLE_CONTENT_SECURITY_POLICY } from '../../src/platform/hardening/index.ts';
import { loadConsoleFiles } from '../../src/platform/web-console.ts';
import { CONSOLE_ROUTES } from '../../web/src/routes.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

const INDEX =
  '<!doctype html><title>TradeWise</title><script type="module" src="/assets/index-abc123.js"></script>';
const SCRIPT = 'console.log("the console");'.repeat(50);

describe('the web console is served at /', () => {
  let dir: string;
  let t: TestApp;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync(SCRIPT));
    writeFileSync(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync(SCRIPT));
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, '.inputs'), 'build stamp');
    const files = loadConsoleFiles(dir);
    assert.ok(files);
    t = await buildTestApp({}, { console: files });
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every console path answers the page, under the console CSP and not stored by any cache', async () => {
    for (const pattern of CONSOLE_ROUTES) {
      const url = pattern.replace(':id', '0b6c2a43-1d8e-4f5a-9c1b-2f3e4d5a6b7c');
      const answer = await t.app.inject({ method: 'GET', url });
      assert.equal(answer.statusCode, 200, url);
      assert.equal(answer.body, INDEX, url);
      assert.equal(answer.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(answer.headers['cache-control'], 'no-store');
      assert.equal(answer.headers['content-security-policy'], CONSOLE_CONTENT_SECURITY_POLICY);
      assert.equal(answer.headers['x-frame-options'], 'DENY');
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    }
  });

  test("the console's CSP allows no inline script or style, no eval, and requires Trusted Types", () => {
    const directives = new Map(
      CONSOLE_CONTENT_SECURITY_POLICY.split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name as string, values];
      }),
    );
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('style-src'), ["'self'"]);
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(directives.get('require-trusted-types-for'), ["'script'"]);
    assert.doesNotMatch(CONSOLE_CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|unsafe-hashes/);
  });

  test('hashed assets are immutable for a year and sent brotli- or gzip-compressed when accepted', async () => {
    const url = '/assets/index-abc123.js';
    const plain = await t.app.inject({ method: 'GET', url });
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.body, SCRIPT);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(String(plain.headers.vary), /Accept-Encoding/);

    const br = await t.app.inject({
      method: 'GET',
      url,
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), SCRIPT);
    const gzip = await t.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gzip.headers['content-encoding'], 'gzip');

    const icon = await t.app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['cache-control'], 'public, max-age=3600');
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
  });

  test('what is not the console keeps its own answers', async () => {
    for (const url of ['/assets/missing.js', '/.inputs', '/index.html.br', '/bots/a/b', '/not-a-page']) {
      const answer = await t.app.inject({ method: 'GET', url });
      assert.equal(answer.statusCode, 404, url);
      assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8', url);
    }
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    assert.equal(api.statusCode, 404);
    assert.deepEqual(api.json(), { detail: 'Not Found', code: 'NOT_FOUND' });
    const docs = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(docs.statusCode, 200);
    assert.ok(!Object.keys(docs.json().paths).some((path) => path === '/' || path.startsWith('/bots')));
  });
});

describe('without a built console', () => {
  test('/ redirects to the API reference', async () => {
    const t = await buildTestApp();
    try {
      const answer = await t.app.inject({ method: 'GET', url: '/' });
      assert.equal(answer.statusCode, 302);
      assert.equal(answer.headers.location, '/docs');
      assert.equal((await t.app.inject({ method: 'GET', url: '/bots' })).statusCode, 404);
    } finally {
      await t.close();
    }
  });

  test('a folder without index.html is no console', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tw-console-empty-'));
    try {
      assert.equal(loadConsoleFiles(empty), undefined);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
