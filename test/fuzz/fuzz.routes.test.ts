// Property-based fuzzing of every route the app serves (OWASP API Top 10 2023: API1, API3, API4,
// API5, API8; ASVS 5.0 V1 and V2 input handling). Requests are generated from the routes' own
// schemas, valid and hostile, as members of two tenants, an operator, nobody and forgers; every
// answer is checked by the oracle. Replay a failure with the printed seed and path:
//   FUZZ_SEED=<seed> FUZZ_PATH=<path> node --import tsx --test test/fuzz/fuzz.routes.test.ts
// FUZZ_RUNS sets the number of requests (default 10,000).
import '../platform/http/fixtures/network-guard.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { authorizationFor } from './identities.ts';
import type { Oracle, RouteGuards } from './oracle.ts';
import { createOracle } from './oracle.ts';
import type { FuzzRequest } from './requests.ts';
import { requestsFor } from './requests.ts';
import type { FuzzRoute } from './routes.ts';
import { discoverRoutes, fillPath } from './routes.ts';
import type { World } from './world.ts';
import { seedWorld } from './world.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED =
  process.env.FUZZ_SEED === undefined
    ? Date.now() ^ (Math.random() * 2 ** 31)
    : Number(process.env.FUZZ_SEED);
const PATH = process.env.FUZZ_PATH;
// Routes the OpenAPI document hides on purpose: the interactive reference and `/` (a redirect to it).
const UNDOCUMENTED = /^GET \/(docs(\/.*)?|openapi\.json)?$/;
const HANDLER_REACHED = (status: number) => ![400, 401, 403, 405, 413, 415, 422].includes(status);

describe('every route, fuzzed from its schema', () => {
  let t: TestApp;
  let world: World;
  let routes: FuzzRoute[];
  let canariesBefore: string;
  let oracle: Oracle;
  const guards = new Map<string, RouteGuards>();
  const statuses = new Map<string, Map<number, number>>();
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);

  before(async () => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    t = await buildTestApp({ DEBUG: 'false' });
    await t.app.ready();
    world = await seedWorld(t);
    routes = await discoverRoutes(t.app);
    for (const route of routes) guards.set(`${route.method} ${route.path}`, await probeGuards(route));
    canariesBefore = await world.canarySnapshot();
    oracle = createOracle(world);
  });
  after(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await t?.close();
  });

  async function send(request: FuzzRequest) {
    const authorization = authorizationFor(t, world, request.identity);
    return t.app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers: { ...request.headers, ...(authorization ? { authorization } : {}) },
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
      ...(request.payloadHex !== undefined ? { payload: Buffer.from(request.payloadHex, 'hex') } : {}),
      remoteAddress: request.remoteAddress,
    });
  }

  /** Which guards a route has, learnt from the app: no token, a plain user, an admin. */
  async function probeGuards(route: FuzzRoute): Promise<RouteGuards> {
    const url = fillPath(
      route,
      Object.fromEntries(route.pathParams.map((p) => [p.name, crypto.randomUUID()])),
    );
    const as = async (identity: 'none' | 'A.user' | 'A.admin') =>
      (
        await send({
          route: '',
          identity,
          method: route.method,
          url,
          headers: {},
          // From loopback, so that /metrics (loopback-only) shows no guard that is not about roles.
          remoteAddress: '127.0.0.1',
        })
      ).statusCode;
    const [anonymous, user, admin] = [await as('none'), await as('A.user'), await as('A.admin')];
    return {
      needsToken: anonymous === 401,
      needsAdmin: user === 403 && admin !== 403,
      needsOperator: admin === 403,
    };
  }

  test('the router serves nothing the OpenAPI document leaves out, except the reference UI and /', () => {
    const hidden = routes.filter((r) => !r.documented).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(
      hidden.filter((r) => !UNDOCUMENTED.test(r)),
      [],
      'every route needs its schemas in /openapi.json, so that it is fuzzed with them',
    );
    assert.ok(routes.length >= 30, `only ${routes.length} routes discovered`);
  });

  test(`${RUNS} generated requests: no 5xx, the error shape on 4xx, no other tenant's data, no guard passed`, async (ctx) => {
    ctx.diagnostic(`FUZZ_SEED=${SEED} (${routes.length} routes)`);
    const arbitrary = fc.constantFrom(...routes).chain((route) => requestsFor(route, world.hints));
    try {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (request) => {
          const res = await send(request);
          const byStatus = statuses.get(request.route) ?? new Map<number, number>();
          byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
          statuses.set(request.route, byStatus);
          const routeMethod = request.route.split(' ')[0];
          const sameMethod =
            request.method === routeMethod || (request.method === 'HEAD' && routeMethod === 'GET');
          const problems = oracle(request, res, sameMethod ? guards.get(request.route) : undefined);
          if (problems.length > 0) throw new Error(problems.join('\n'));
        }),
        {
          numRuns: RUNS,
          seed: SEED,
          ...(PATH ? { path: PATH } : {}),
          endOnFailure: process.env.FUZZ_SHRINK !== '1',
          includeErrorInReport: true,
        },
      );
    } finally {
      if (process.env.FUZZ_VERBOSE === '1') {
        for (const [route, byStatus] of statuses)
          ctx.diagnostic(`${route} ${JSON.stringify(Object.fromEntries(byStatus))}`);
      }
    }
    assert.deepEqual(crashes, [], 'no unhandled rejection or exception during the run');
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const byStatus = [...(statuses.get(key) ?? new Map<number, number>())];
      const total = byStatus.reduce((sum, [, n]) => sum + n, 0);
      assert.ok(total >= Math.min(20, RUNS / routes.length / 3), `${key} got only ${total} requests`);
      if (RUNS >= 5_000) {
        assert.ok(
          byStatus.some(([status]) => HANDLER_REACHED(status)),
          `no request reached the handler of ${key}`,
        );
      }
    }
  });

  test("afterwards the service is healthy and each tenant's audit chain verifies", async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
    for (const tenant of [world.A, world.B]) {
      const res = await send({
        route: '',
        identity: tenant.label === 'A' ? 'A.admin' : 'B.admin',
        method: 'GET',
        url: '/api/v1/admin/audit-log/verify',
        headers: {},
        remoteAddress: '198.51.100.252',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ok, true, res.body);
    }
  });

  test("no canary changed: the other tenant's requests wrote nothing into a tenant", async () => {
    assert.equal(await world.canarySnapshot(), canariesBefore);
  });
});
