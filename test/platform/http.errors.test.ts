// The contract's error shape and input rules, seen from a client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { AppError } from '../../src/platform/errors.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('errors and input validation', () => {
  let t: TestApp;

  before(async () => {
    t = await buildTestApp();
    // Probe routes that exercise the platform's validation and error handling.
    t.app.post(
      '/probe/body',
      {
        schema: {
          body: Type.Object({
            name: Type.String({ minLength: 1, maxLength: 10 }),
            count: Type.Integer({ minimum: 0 }),
            nested: Type.Optional(Type.Object({ flag: Type.Boolean() })),
          }),
        },
      },
      async (request) => ({ received: request.body }),
    );
    t.app.get(
      '/probe/query',
      {
        schema: {
          querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }) }),
        },
      },
      async (request) => ({ limit: (request.query as { limit: number }).limit }),
    );
    t.app.get('/probe/app-error', async () => {
      // Any catalogued code: AppError takes no other (src/platform/errors.ts).
      throw new AppError(409, 'ALREADY_SUBSCRIBED', 'Already exists');
    });
    t.app.get('/probe/crash', async () => {
      throw new Error('SELECT secret FROM internals failed at /srv/app.ts:12');
    });
    await t.app.ready();
  });
  after(() => t.close());

  test('an unknown route is a 404 in the contract shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nowhere' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Not Found', code: 'NOT_FOUND' });
  });

  test('a valid body passes unchanged', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/probe/body',
      payload: { name: 'bot', count: 3 },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { received: { name: 'bot', count: 3 } });
  });

  test('an unknown JSON field is refused with 422, not silently dropped', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/probe/body',
      payload: { name: 'bot', count: 1, is_admin: true },
    });
    assert.equal(res.statusCode, 422);
    const body = res.json();
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.deepEqual(body.detail, [
      { loc: ['body', 'is_admin'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
    ]);
  });

  test('unknown fields are refused in nested objects too', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/probe/body',
      payload: { name: 'bot', count: 1, nested: { flag: true, extra: 1 } },
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json().detail[0].loc, ['body', 'nested', 'extra']);
  });

  test('types are not coerced: "5" is not a number', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/probe/body',
      payload: { name: 'bot', count: '5' },
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json().detail, [
      { loc: ['body', 'count'], msg: 'Input should be a valid integer', type: 'int_type' },
    ]);
  });

  test('missing fields are listed FastAPI-style', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/probe/body', payload: {} });
    assert.equal(res.statusCode, 422);
    const locs = res.json().detail.map((d: { loc: string[] }) => d.loc.join('.'));
    assert.deepEqual(locs.sort(), ['body.count', 'body.name']);
    assert.ok(res.json().detail.every((d: { type: string }) => d.type === 'missing'));
  });

  test('query strings are coerced from text and validated', async () => {
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/probe/query?limit=7' })).json(), {
      limit: 7,
    });
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/probe/query' })).json(), { limit: 50 });
    const res = await t.app.inject({ method: 'GET', url: '/probe/query?limit=1000' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json().detail[0].loc, ['query', 'limit']);
  });

  test('malformed JSON is a 400, not a 500', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/probe/body',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "bot", ',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'BAD_REQUEST');
  });

  test('a prototype-pollution key is refused', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/probe/body',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"bot","count":1,"__proto__":{"polluted":true}}',
    });
    assert.ok(res.statusCode === 400 || res.statusCode === 422, `got ${res.statusCode}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('an oversized body is a 413', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/probe/body',
      payload: { name: 'x'.repeat(t.config.bodyLimitBytes + 1), count: 1 },
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'PAYLOAD_TOO_LARGE');
  });

  test('an unsupported content type is a 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/probe/body',
      headers: { 'content-type': 'application/xml' },
      payload: '<bot/>',
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('an AppError renders its status, code and detail', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/probe/app-error' });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), { detail: 'Already exists', code: 'ALREADY_SUBSCRIBED' });
  });

  test('an unexpected failure is a 500 with no stack trace, SQL or internal message', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/probe/crash' });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { detail: 'Internal server error', code: 'INTERNAL_ERROR' });
    assert.doesNotMatch(res.body, /SELECT|app\.ts|at /);
  });

  describe('X-Request-ID', () => {
    test('every response carries one, made when the request has none', async () => {
      const res = await t.app.inject({ method: 'GET', url: '/health' });
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    });
    test('a well-formed incoming id is kept', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/nowhere',
        headers: { 'x-request-id': 'proxy-1234abcd' },
      });
      assert.equal(res.headers['x-request-id'], 'proxy-1234abcd');
    });
    test('a malformed incoming id is replaced', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/health',
        headers: { 'x-request-id': 'evil\u0000id<script>' },
      });
      assert.notEqual(res.headers['x-request-id'], 'evil\u0000id<script>');
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    });
  });
});
