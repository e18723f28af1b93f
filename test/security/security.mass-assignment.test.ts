// Mass assignment (OWASP API3:2023 Broken Object Property Level Authorization; ASVS 5.0 V15.3.3):
// every create and update, read from the app, refuses each server-owned field it does not
// document with a 422 naming the field, and writes nothing. A role the API cannot grant
// (operator) is refused where roles are accepted (API5:2023). test/bots/bots.mass-assignment.test.ts
// goes deeper on bots (the row unchanged, tenant_id unable to move a bot).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SERVER_OWNED_FIELDS } from '../fuzz/hostile.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser, issueToken } from '../helpers/identity.ts';
import type { FuzzRoute } from './routes.ts';
import { discoverRoutes, jsonBodyOf, minimalBody, urlOf } from './routes.ts';

describe('API3:2023 server-owned fields on every create and update', () => {
  let t: TestApp;
  let admin: TestIdentity;
  let routes: FuzzRoute[];

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    admin = await createTenantUser(t, { roles: ['admin', 'user'] });
    routes = (await discoverRoutes(t.app)).filter((r) => jsonBodyOf(r) !== undefined);
  });
  after(() => t?.close());

  const send = (route: FuzzRoute, payload: unknown) =>
    t.app.inject({
      method: route.method as 'POST',
      url: urlOf(route),
      headers: { authorization: `Bearer ${issueToken(t, admin)}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
      remoteAddress: '198.51.100.30',
    });
  const counts = () =>
    t.db.withOwner(
      async (q) =>
        (
          await q.query(
            `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM bots) AS bots,
                  (SELECT count(*) FROM subscriptions) AS subscriptions, (SELECT count(*) FROM audit_log) AS audit`,
          )
        ).rows[0],
    );

  test('API9:2023 the inventory read from the app has the creates and updates', () => {
    assert.ok(routes.length >= 10, `only ${routes.length}`);
  });

  test('API3:2023 each undocumented server-owned field is a 422 naming it, on every route, and nothing is written', async () => {
    const before = await counts();
    for (const route of routes) {
      const schema = jsonBodyOf(route) ?? {};
      const documented = Object.keys((schema.properties ?? {}) as object);
      for (const field of SERVER_OWNED_FIELDS.filter((f) => !documented.includes(f))) {
        const res = await send(route, {
          ...minimalBody(schema),
          [field]: field === 'roles' ? ['admin'] : 'x',
        });
        assert.equal(res.statusCode, 422, `${route.method} ${route.path} with ${field}: ${res.body}`);
        assert.ok(
          res
            .json()
            .detail.some(
              (d: { loc: unknown[]; type: string }) =>
                d.loc.join('.') === `body.${field}` && d.type === 'extra_forbidden',
            ),
          `${route.method} ${route.path}: ${res.body}`,
        );
      }
    }
    assert.deepEqual(await counts(), before);
  });

  test('API3:2023 prototype keys in a body are refused on every route (400) and pollute nothing', async () => {
    for (const route of routes) {
      for (const text of [
        '{"__proto__":{"is_admin":true}}',
        '{"constructor":{"prototype":{"is_admin":true}}}',
      ]) {
        const res = await t.app.inject({
          method: route.method as 'POST',
          url: urlOf(route),
          headers: { authorization: `Bearer ${issueToken(t, admin)}`, 'content-type': 'application/json' },
          payload: text,
          remoteAddress: '198.51.100.30',
        });
        assert.equal(res.statusCode, 400, `${route.method} ${route.path} ${text}: ${res.body}`);
      }
    }
    assert.equal(({} as Record<string, unknown>).is_admin, undefined);
  });

  test('API5:2023 the operator role cannot be granted through the API, by creating or by changing a user', async () => {
    const create = routes.find((r) => r.method === 'POST' && r.path === '/api/v1/users') as FuzzRoute;
    const change = routes.find((r) => r.method === 'PATCH' && r.path === '/api/v1/users/{id}') as FuzzRoute;
    const body = { ...minimalBody(jsonBodyOf(create) ?? {}), roles: ['operator'] };
    assert.equal((await send(create, body)).statusCode, 422);
    const res = await t.app.inject({
      method: 'PATCH',
      url: change.path.replace('{id}', admin.userId),
      headers: { authorization: `Bearer ${issueToken(t, admin)}` },
      payload: { roles: ['admin', 'operator'] },
      remoteAddress: '198.51.100.30',
    });
    assert.equal(res.statusCode, 422, res.body);
  });
});
