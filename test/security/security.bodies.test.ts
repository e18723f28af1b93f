// Oversized and malformed input on EVERY route that takes a body or a query (OWASP API4:2023
// Unrestricted Resource Consumption, API8:2023 Security Misconfiguration; ASVS 5.0 V4.2, V1.2):
// each is a 4xx in the contract's shape, never a 500. test/http/http.limits.test.ts pins the exact
// limits, codes and messages on one route; this file proves no route escapes them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_JSON_DEPTH } from '../../src/platform/hardening/json-body.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser, issueToken } from '../helpers/identity.ts';
import type { FuzzRoute, JsonSchema } from './routes.ts';
import { discoverRoutes, minimalBody, urlOf } from './routes.ts';

describe('API4:2023 and API8:2023 malformed and oversized input on every route', () => {
  let t: TestApp;
  let admin: TestIdentity;
  let withBody: FuzzRoute[];
  let withQuery: FuzzRoute[];

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    admin = await createTenantUser(t, { roles: ['admin', 'user', 'operator'] });
    const routes = (await discoverRoutes(t.app)).filter((r) => r.documented);
    withBody = routes.filter((r) => Object.keys(r.bodies).length > 0);
    withQuery = routes.filter((r) => r.query.some((q) => q.schema.type === 'string'));
  });
  after(() => t?.close());

  const send = (route: FuzzRoute, headers: Record<string, string>, payload?: string, query = '') =>
    t.app.inject({
      method: route.method as 'POST',
      url: `${urlOf(route)}${query}`,
      headers: { authorization: `Bearer ${issueToken(t, admin)}`, ...headers },
      ...(payload === undefined ? {} : { payload }),
      remoteAddress: '198.51.100.40',
    });

  function assertRefused(res: Awaited<ReturnType<typeof send>>, status: number, what: string) {
    assert.equal(res.statusCode, status, `${what}: ${res.body}`);
    assert.match(String(res.headers['content-type']), /^application\/json/, what);
    assert.match(res.json().code, /^[A-Z][A-Z_]+$/, what);
  }

  const json = { 'content-type': 'application/json' };
  const each = async (check: (route: FuzzRoute, name: string) => Promise<void>) => {
    assert.ok(withBody.length >= 10, `only ${withBody.length} routes with a body`);
    for (const route of withBody) await check(route, `${route.method} ${route.path}`);
  };

  test('API4:2023 a body over the limit is 413 on every route with a body', async () => {
    const huge = JSON.stringify({ a: 'x'.repeat(t.config.bodyLimitBytes) });
    await each(async (route, name) => assertRefused(await send(route, json, huge), 413, name));
  });

  test(`API4:2023 JSON nested deeper than ${MAX_JSON_DEPTH} levels is 400 on every route with a body`, async () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    await each(async (route, name) => assertRefused(await send(route, json, deep), 400, name));
  });

  test('API8:2023 malformed JSON is 400 and a foreign content type 415 on every route with a body', async () => {
    await each(async (route, name) => {
      for (const text of ['{', '{"a":1}{"b":2}', "{'a': 1}", 'NaN'])
        assertRefused(await send(route, json, text), 400, `${name} ${text}`);
      for (const type of ['text/plain', 'application/xml', 'application/json; charset=utf-16']) {
        assertRefused(await send(route, { 'content-type': type }, '{}'), 415, `${name} ${type}`);
      }
    });
  });

  test('API8:2023 a request without any body is a 4xx on every route that takes one, never a 500', async () => {
    await each(async (route, name) => {
      const res = await send(route, {});
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${name}: ${res.statusCode} ${res.body}`);
    });
  });

  test('API8:2023 a NUL character in any string of a body is a 422, never a 500 (PostgreSQL text cannot hold it)', async () => {
    await each(async (route, name) => {
      for (const [type, schema] of Object.entries(route.bodies)) {
        const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
        for (const [field, property] of Object.entries(properties)) {
          if (property.type !== 'string' && property.anyOf === undefined) continue;
          const body = { ...minimalBody(schema), [field]: 'a\u0000b' };
          const text = type.includes('form')
            ? new URLSearchParams(body as Record<string, string>).toString()
            : JSON.stringify(body);
          const res = await send(route, { 'content-type': type }, text);
          assertRefused(res, 422, `${name} ${type} ${field}`);
        }
      }
    });
  });

  test('API8:2023 a NUL character in any string query parameter is a 422, never a 500', async () => {
    assert.ok(withQuery.length >= 5, `only ${withQuery.length} routes with string query parameters`);
    for (const route of withQuery) {
      for (const param of route.query.filter((q) => q.schema.type === 'string')) {
        const res = await send(route, {}, undefined, `?${param.name}=a%00b`);
        assertRefused(res, 422, `${route.method} ${route.path}?${param.name}`);
      }
    }
  });
});
