// Logs an operator relies on: one access line per request with its id and, when authenticated, its
// user and tenant; a request's own log lines (errors) carry the same id. Request loggers are lazy
// (a pino child is built only when something is logged), which must change none of that.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { lazyChildLoggerFactory, loggerOptions } from '../../src/platform/logging.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

type Line = Record<string, unknown>;

function memorySink(lines: Line[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
}

describe('request logs', () => {
  const lines: Line[] = [];
  let t: TestApp;
  let alice: TestIdentity;

  before(async () => {
    t = await buildTestApp({}, { logger: pino(loggerOptions('info'), memorySink(lines)) });
    t.app.get('/test-only/boom', { schema: { hide: true } }, async () => {
      throw new Error('boom from a handler');
    });
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
  });
  after(() => t.close());

  test('an authenticated request leaves one access line with its id, user and tenant, and no credentials', async () => {
    lines.length = 0;
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/bots',
      headers: { authorization: `Bearer ${alice.token}`, 'x-request-id': 'trace-abc-123456' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-request-id'], 'trace-abc-123456');
    const access = lines.filter((line) => line.message === 'request completed');
    assert.equal(access.length, 1);
    assert.deepEqual(
      {
        request_id: access[0]?.request_id,
        method: access[0]?.method,
        route: access[0]?.route,
        status: access[0]?.status,
        user_id: access[0]?.user_id,
        tenant_id: access[0]?.tenant_id,
        level: access[0]?.level,
      },
      {
        request_id: 'trace-abc-123456',
        method: 'GET',
        route: '/api/v1/bots',
        status: 200,
        user_id: alice.userId,
        tenant_id: alice.tenantId,
        level: 'info',
      },
    );
    assert.equal(access[0]?.reqId, undefined, "the API's name for the id, not Fastify's");
    assert.ok(!JSON.stringify(lines).includes(alice.token), 'the bearer token never reaches a log line');
  });

  test('an unhandled error is logged with the request id the client was given', async () => {
    lines.length = 0;
    const response = await t.app.inject({ method: 'GET', url: '/test-only/boom' });
    assert.equal(response.statusCode, 500);
    assert.ok(!response.body.includes('boom from a handler'), 'the client never sees the error');
    const errorLine = lines.find((line) => line.level === 'error');
    assert.ok(errorLine, 'an error line is written');
    assert.equal(errorLine.request_id, response.headers['x-request-id']);
    assert.equal(errorLine.reqId, undefined, "the request logger's label is the API's request_id");
    assert.match(JSON.stringify(errorLine.err), /boom from a handler/);
  });
});

describe('lazy request loggers', () => {
  function rootWithCountedChildren(level: string) {
    const lines: Line[] = [];
    const root = pino({ ...loggerOptions(level) }, memorySink(lines)) as unknown as FastifyBaseLogger;
    let children = 0;
    // pino's children inherit from their parent, this counter included.
    const original = root.child;
    root.child = function (this: FastifyBaseLogger, bindings, options) {
      children++;
      return original.call(this, bindings, options);
    } as FastifyBaseLogger['child'];
    return { root, lines, children: () => children };
  }

  test('nothing logged below the level: no pino child is built', () => {
    const { root, lines, children } = rootWithCountedChildren('warn');
    const request = lazyChildLoggerFactory.call(null, root, { request_id: 'r-1' }, {});
    const user = request.child({ user_id: 'u-1' });
    user.info({ detail: 1 }, 'not at this level');
    request.debug('nor this');
    assert.equal(children(), 0);
    assert.equal(lines.length, 0);
  });

  test('a line at an enabled level carries every binding of the chain, redaction included', () => {
    const { root, lines, children } = rootWithCountedChildren('info');
    const request = lazyChildLoggerFactory.call(null, root, { request_id: 'r-2' }, {});
    const user = request.child({ user_id: 'u-2', tenant_id: 't-2' });
    user.warn({ body: { password: 'hunter2-secret' } }, 'suspicious');
    assert.equal(children(), 2, 'built on the first line: one child per level of the chain');
    user.error(new Error('second line'), 'failed');
    assert.equal(children(), 2, 'and only once');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.equal(line.request_id, 'r-2');
      assert.equal(line.user_id, 'u-2');
      assert.equal(line.tenant_id, 't-2');
    }
    assert.deepEqual(lines[0]?.body, { password: '[REDACTED]' });
    assert.match(JSON.stringify(lines[1]?.err), /second line/);
    assert.equal(user.level, 'info');
  });
});
