// Issue 14, item 3: crafted values that pass the first look of validation but not PostgreSQL or a
// JS Date (OWASP API8:2023 Security Misconfiguration; ASVS 5.0 V1.2 input validation). A users or
// sessions cursor whose timestamp is no instant, and `since`/`until` values at the edges of RFC 3339
// (a leap second, year 0000, 9999 with an offset that pushes past it) were 500s with a stack in the
// log. Each must be a 422 naming the parameter, and the log must show no error.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loggerOptions } from '../../src/platform/logging.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const usersCursor = (key: unknown, id: unknown = randomUUID()) => base64url(JSON.stringify([key, id]));

/** Cursor contents in the users/sessions format that are no instant PostgreSQL (or a Date) takes. */
const BAD_TIMESTAMP_KEYS = [
  '2024-13-45 99:99:99+00',
  '0000-01-01 00:00:00+00',
  '2023-02-29 12:00:00+00',
  '2024-04-31 12:00:00+00',
  '2024-01-01 24:00:00+00',
  '2024-01-01 12:60:00+00',
  '2016-12-31 23:59:60+00',
  '2024-01-01 12:00:00+16',
  '2024-01-01 12:00:00+00:60',
];

/** `since`/`until` values that ajv's `date-time` format let through. */
const EDGE_INSTANTS = [
  '2016-12-31T23:59:60Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-23:59',
  '0001-01-01T00:00:00+00:01',
  '2024-02-30T00:00:00Z',
  '2024-01-01 00:00:00Z',
  '2024-01-01T00:00:00+0100',
  '2024-01-01T24:00:00Z',
];

const TIME_ROUTES = [
  '/api/v1/admin/audit-log',
  '/api/v1/admin/security-events',
  '/api/v1/ops/security-events',
];

describe(`issue 14 item 3: crafted cursors and instants are 422s, never 500s (${shape})`, () => {
  let t: TestApp;
  let admin: TestIdentity;
  const logLines: string[] = [];

  before(async () => {
    // The production logger options, writing into memory: a 500 leaves an error line with a stack.
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    t = await buildTestApp({}, { logger: pino(loggerOptions('info'), sink) });
    await t.app.ready();
    admin = await createTenantUser(t, { roles: ['admin', 'user', 'operator'] });
  });
  after(() => t?.close());

  async function assertRefused(url: string, parameter: string) {
    const linesBefore = logLines.length;
    const res = await t.app.inject({ method: 'GET', url, headers: admin.headers });
    assert.equal(res.statusCode, 422, `${url}: ${res.body}`);
    const body = res.json();
    assert.equal(body.code, 'VALIDATION_FAILED', url);
    assert.ok(
      body.detail.some((d: { loc: unknown[] }) => d.loc.join('.') === `query.${parameter}`),
      `${url}: ${res.body}`,
    );
    const errors = logLines
      .slice(linesBefore)
      .filter((line) => /"level":"(error|fatal)"/.test(line) || line.includes('"stack"'));
    assert.deepEqual(errors, [], `${url} logged an error`);
  }

  test('a users or sessions cursor that decodes to a timestamp PostgreSQL refuses is a 422 on cursor', async () => {
    for (const key of BAD_TIMESTAMP_KEYS) {
      for (const route of ['/api/v1/users', '/api/v1/users/me/sessions']) {
        await assertRefused(`${route}?cursor=${usersCursor(key)}`, 'cursor');
      }
    }
  });

  test('a cursor position past the microsecond range (years 0001 to 9999) is a 422 on cursor', async () => {
    for (const listing of ['bots', 'subscriptions', 'users', 'sessions']) {
      const route =
        { bots: '/api/v1/bots', subscriptions: '/api/v1/subscriptions', users: '/api/v1/users' }[listing] ??
        '/api/v1/users/me/sessions';
      for (const us of ['-62135596800000001', '253402300800000000', '999999999999999999']) {
        await assertRefused(`${route}?cursor=${base64url(`${listing}.${us}.${randomUUID()}`)}`, 'cursor');
      }
    }
  });

  test('since or until at the edges of RFC 3339 is a 422 on that parameter, on every listing with a time window', async () => {
    for (const route of TIME_ROUTES) {
      for (const value of EDGE_INSTANTS) {
        for (const parameter of ['since', 'until']) {
          await assertRefused(`${route}?${parameter}=${encodeURIComponent(value)}`, parameter);
        }
      }
    }
  });

  test('the instants the contract promises still filter: Z or an offset, lower-case t and z, fractions', async () => {
    for (const route of TIME_ROUTES) {
      for (const value of [
        '2026-01-31T12:00:00Z',
        '2026-01-31t12:00:00z',
        '2026-01-31T12:00:00.123456789+05:30',
        '0001-01-01T00:00:00Z',
        '9999-12-31T23:59:59.999Z',
        '9999-12-31T23:59:59+23:59',
      ]) {
        const res = await t.app.inject({
          method: 'GET',
          url: `${route}?since=${encodeURIComponent(value)}`,
          headers: admin.headers,
        });
        assert.equal(res.statusCode, 200, `${route} since=${value}: ${res.body}`);
      }
    }
  });

  test('the other listings refuse cursors with the extreme positions their format allows, without a 500', async () => {
    const extremes = [
      base64url(`v1.999999999999999999.${randomUUID()}`),
      base64url(`v1.0.${randomUUID()}`),
      base64url('v1.a.9007199254740993'),
      base64url('v1.e.9999999999999999'),
      usersCursor('9999-12-31 23:59:59.999999-15:59'),
      usersCursor('0001-01-01 00:00:00+15:59'),
      // Since issue 15: the ends of the microsecond range, in every listing's own format.
      ...['bots', 'subscriptions', 'users', 'sessions'].flatMap((listing) => [
        base64url(`${listing}.-62135596800000000.${randomUUID()}`),
        base64url(`${listing}.253402300799999999.${randomUUID()}`),
      ]),
      base64url('audit-log.9007199254740991'),
      base64url(`security-events.${randomUUID()}`),
      base64url(`ops-security-events.${randomUUID()}`),
    ];
    for (const route of [
      '/api/v1/bots',
      '/api/v1/subscriptions',
      '/api/v1/users',
      '/api/v1/users/me/sessions',
      '/api/v1/admin/audit-log',
      '/api/v1/admin/security-events',
      '/api/v1/ops/security-events',
    ]) {
      for (const cursor of extremes) {
        const res = await t.app.inject({
          method: 'GET',
          url: `${route}?cursor=${cursor}`,
          headers: admin.headers,
        });
        assert.ok([200, 422].includes(res.statusCode), `${route} cursor=${cursor}: ${res.body}`);
      }
    }
  });
});
