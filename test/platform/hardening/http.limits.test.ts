// Input limits: body size, content type, JSON depth, string and array sizes, URL length. Each is a
// 4xx in the contract's shape, never a 500, and reaches no handler.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../../src/platform/hardening/json-body.ts';
import { DEFAULT_MAX_ITEMS, DEFAULT_MAX_STRING_LENGTH } from '../../../src/platform/validation.ts';
import type { TestApp } from '../../helpers/app.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { assertSecurityHeaders } from './assert-headers.ts';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('request limits', () => {
  let t: TestApp;
  let reached = 0;
  before(async () => {
    t = await buildTestApp({ BODY_LIMIT_BYTES: '4096' });
    // A stand-in for a feature route that accepts any JSON.
    t.app.post('/test/echo', async (request) => {
      reached++;
      return { body: request.body };
    });
    await t.app.ready();
  });
  after(() => t.close());

  const post = (url: string, payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

  test('a body over the limit is 413, whatever its content type', async () => {
    const before = reached;
    for (const contentType of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
      const res = await post('/test/echo', `"${'x'.repeat(5000)}"`, contentType);
      assert.ok(res.statusCode === 413 || res.statusCode === 415, `${contentType}: ${res.statusCode}`);
      if (contentType === 'application/json') {
        assert.deepEqual(res.json(), { detail: 'Request body too large', code: 'PAYLOAD_TOO_LARGE' });
      }
      assertSecurityHeaders(res.headers);
    }
    assert.equal(reached, before);
  });

  test('an oversized OAuth2 form on the login route is 413 too, before any credential check', async () => {
    const res = await post(
      '/api/v1/auth/token',
      `username=a%40example.test&password=${'x'.repeat(5000)}`,
      'application/x-www-form-urlencoded',
    );
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'PAYLOAD_TOO_LARGE');
  });

  test('a Content-Length over the limit is refused before the body is read', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/test/echo',
      payload: '{}',
      headers: { 'content-type': 'application/json', 'content-length': '999999' },
    });
    assert.ok([400, 413].includes(res.statusCode), String(res.statusCode));
  });

  test('JSON with a UTF-8 charset parameter is accepted, any other charset is 415', async () => {
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"']) {
      const ok = await post('/test/echo', '{"a":1}', `application/json; charset=${charset}`);
      assert.equal(ok.statusCode, 200, charset);
      assert.deepEqual(ok.json(), { body: { a: 1 } });
    }
    const latin = await post('/test/echo', '{"a":1}', 'application/json; charset=iso-8859-1');
    assert.equal(latin.statusCode, 415);
    assert.equal(latin.json().code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('text/plain, form, XML and multipart bodies on a JSON route are 415', async () => {
    const before = reached;
    for (const contentType of [
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
    ]) {
      const res = await post('/test/echo', '{"a":1}', contentType);
      assert.equal(res.statusCode, 415, contentType);
      assert.deepEqual(res.json(), { detail: 'Unsupported media type', code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    assert.equal(reached, before);
  });

  test(`JSON nesting deeper than ${MAX_JSON_DEPTH} levels is 400 JSON_TOO_DEEP; ${MAX_JSON_DEPTH} is fine`, async () => {
    const ok = await post('/test/echo', nested(MAX_JSON_DEPTH));
    assert.equal(ok.statusCode, 200);
    const before = reached;
    for (const body of [
      nested(MAX_JSON_DEPTH + 1),
      `${'{"a":'.repeat(500)}1${'}'.repeat(500)}`,
      '['.repeat(4000),
    ]) {
      const res = await post('/test/echo', body);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'JSON_TOO_DEEP');
    }
    assert.equal(reached, before);
  });

  test('brackets inside strings do not count as nesting', async () => {
    const res = await post('/test/echo', JSON.stringify({ text: '[[[[[[[[[[[[[[[[[[[[[[[[[[["\\' }));
    assert.equal(res.statusCode, 200);
  });

  test('prototype poisoning is still refused by the secure parser', async () => {
    for (const body of ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}']) {
      const res = await post('/test/echo', body);
      assert.equal(res.statusCode, 400, body);
      assert.equal(res.json().code, 'BAD_REQUEST');
    }
  });

  test('malformed JSON bodies are 400; an empty one is no body (issue 14 item 11)', async () => {
    for (const body of ['{', '{"a":1', ' ', 'nul']) {
      const res = await post('/test/echo', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
    }
    const empty = await post('/test/echo', '');
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(empty.json(), {});
  });

  test('a string or array without a bound in its schema is capped at the default', async () => {
    const t2 = await buildTestApp();
    try {
      t2.app.post(
        '/test/unbounded',
        {
          schema: {
            body: Type.Object({ name: Type.String(), tags: Type.Optional(Type.Array(Type.Integer())) }),
          },
        },
        async () => ({ ok: true }),
      );
      const fits = await t2.app.inject({
        method: 'POST',
        url: '/test/unbounded',
        payload: { name: 'x'.repeat(DEFAULT_MAX_STRING_LENGTH) },
      });
      assert.equal(fits.statusCode, 200);
      const long = await t2.app.inject({
        method: 'POST',
        url: '/test/unbounded',
        payload: { name: 'x'.repeat(DEFAULT_MAX_STRING_LENGTH + 1) },
      });
      assert.equal(long.statusCode, 422);
      assert.deepEqual(long.json().detail[0].loc, ['body', 'name']);
      assert.equal(long.json().detail[0].type, 'string_too_long');
      const many = await t2.app.inject({
        method: 'POST',
        url: '/test/unbounded',
        payload: { name: 'a', tags: Array.from({ length: DEFAULT_MAX_ITEMS + 1 }, () => 1) },
      });
      assert.equal(many.statusCode, 422);
      assert.equal(many.json().detail[0].type, 'too_long');
    } finally {
      await t2.close();
    }
  });

  test('a schema that sets its own bound keeps it', async () => {
    const t2 = await buildTestApp();
    try {
      t2.app.post(
        '/test/bounded',
        { schema: { body: Type.Object({ note: Type.String({ maxLength: 10_000 }) }) } },
        async () => ({ ok: true }),
      );
      const res = await t2.app.inject({
        method: 'POST',
        url: '/test/bounded',
        payload: { note: 'x'.repeat(DEFAULT_MAX_STRING_LENGTH + 100) },
      });
      assert.equal(res.statusCode, 200);
    } finally {
      await t2.close();
    }
  });

  test('a request target over 8 KiB is 414', async () => {
    const res = await t.app.inject({ url: `/health?pad=${'a'.repeat(8200)}` });
    assert.equal(res.statusCode, 414);
    assert.deepEqual(res.json(), { detail: 'Request URI too long', code: 'URI_TOO_LONG' });
  });

  test('malformed URL encoding and over-long path parameters are 400 in the contract shape', async () => {
    const bad = await t.app.inject({ url: '/api/v1/bots/%zz' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json(), { detail: 'Malformed URL', code: 'BAD_REQUEST' });
    assertSecurityHeaders(bad.headers);
    assert.ok(bad.headers['x-request-id']);
    const long = await t.app.inject({ url: `/api/v1/bots/${'a'.repeat(300)}` });
    assert.equal(long.statusCode, 400);
    assert.equal(long.json().code, 'BAD_REQUEST');
  });
});

describe('the JSON depth scan', () => {
  test('counts objects and arrays, skips strings and escaped quotes', () => {
    assert.equal(nestsDeeperThan('[[1]]', 2), false);
    assert.equal(nestsDeeperThan('[[[1]]]', 2), true);
    assert.equal(nestsDeeperThan('{"a":{"b":{}}}', 2), true);
    assert.equal(nestsDeeperThan('{"a":"[[[[\\"[[[["}', 2), false);
    assert.equal(nestsDeeperThan('[[],[],[],[]]', 2), false);
    assert.equal(nestsDeeperThan('"\\\\"', 0), false);
  });
});
