// Broken object level authorisation (OWASP API1:2023; ASVS 5.0 V8.2.2): on EVERY route that takes
// an id, every id of another tenant — its tenant, users, bots, subscriptions, sessions — answers
// exactly like a random id (404, existence not disclosed), for its admins and its users, and
// changes nothing. Routes are read from the app, so a new route with an id is covered at once.
// test/bots/bots.tenant-isolation.test.ts covers ids in bodies and cursors for bots.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Member, World } from '../fuzz/world.ts';
import { seedWorld } from '../fuzz/world.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { issueToken } from '../helpers/identity.ts';
import type { FuzzRoute } from './routes.ts';
import { discoverRoutes, jsonBodyOf, minimalBody, urlOf } from './routes.ts';

describe("API1:2023 another tenant's ids on every route that takes an id", () => {
  let t: TestApp;
  let world: World;
  let routes: FuzzRoute[];
  let tenantBBefore: string;

  /** Everything tenant B has, as the database owner sees it. */
  const snapshotOfB = async () =>
    JSON.stringify(
      await t.db.withOwner(async (q) => {
        const rows = async (table: string) =>
          (await q.query(`SELECT * FROM ${table} WHERE tenant_id = $1 ORDER BY id`, [world.B.tenantId])).rows;
        return [await rows('users'), await rows('bots'), await rows('subscriptions'), await rows('sessions')];
      }),
    );

  before(async () => {
    t = await buildTestApp({ DEBUG: 'false' });
    await t.app.ready();
    world = await seedWorld(t);
    routes = (await discoverRoutes(t.app)).filter(
      (r) => r.documented && r.pathParams.some((p) => p.name === 'id'),
    );
    tenantBBefore = await snapshotOfB();
  });
  after(() => t?.close());

  const send = (route: FuzzRoute, who: Member, id: string) => {
    const body = jsonBodyOf(route);
    return t.app.inject({
      method: route.method as 'GET',
      url: urlOf(route, id),
      headers: { authorization: `Bearer ${issueToken(t, who)}` },
      ...(body ? { payload: minimalBody(body) } : {}),
      remoteAddress: '198.51.100.20',
    });
  };
  const comparable = (res: Awaited<ReturnType<typeof send>>) => ({
    status: res.statusCode,
    body: res.body,
    type: res.headers['content-type'],
  });

  test('API9:2023 the inventory read from the app has the routes with an id: users, sessions, bots, subscriptions', () => {
    const paths = new Set(routes.map((r) => r.path));
    for (const expected of [
      '/api/v1/users/{id}',
      '/api/v1/users/me/sessions/{id}',
      '/api/v1/bots/{id}',
      '/api/v1/subscriptions/{id}',
    ]) {
      assert.ok(paths.has(expected), `${expected} not found`);
    }
  });

  test('API1:2023 (baseline) the probe reaches the lookup: an own id is not a 404 for its admin', async () => {
    const get = routes.find((r) => r.method === 'GET' && r.path === '/api/v1/bots/{id}') as FuzzRoute;
    assert.equal((await send(get, world.A.admin, world.A.bots[0] as string)).statusCode, 200);
  });

  test("API1:2023 every route answers each of B's ids to A's admin and user exactly as it answers a random id", async () => {
    const ids = [...world.B.ids, ...world.B.canaryIds];
    for (const route of routes) {
      for (const who of [world.A.admin, world.A.user]) {
        const random = comparable(await send(route, who, randomUUID()));
        assert.ok(
          [403, 404].includes(random.status),
          `${route.method} ${route.path} random id: ${random.status}`,
        );
        for (const id of ids) {
          const res = comparable(await send(route, who, id));
          assert.deepEqual(res, random, `${route.method} ${route.path} with B's ${id} as ${who.roles}`);
        }
      }
    }
  });

  test('API1:2023 after all those attempts tenant B is exactly as it was', async () => {
    assert.equal(await snapshotOfB(), tenantBBefore);
  });
});
