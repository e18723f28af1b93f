// Redis dies under concurrent load on two instances and comes back empty. Beyond the
// single-instance walk-through in test/protection/redis-outage.test.ts: under load no revoked
// token is accepted at any moment on either instance (not even while requests are held for the
// restore), a logout acknowledged during the outage holds, limits fall back to one count per
// instance, no request hangs, and after recovery a logout on one instance is refused at once by
// the other (revocation messages flow again without a restart).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MIRRORED_PREFIXES } from '../../src/mirrored-keys.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { createRedisStore } from '../../src/platform/store/redis.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestDatabase } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { eventually, startLoad, within } from './load.ts';
import type { RedisServer } from './redis-server.ts';
import { redisServerMissing, startRedisServer } from './redis-server.ts';

type Phase = 'up' | 'down' | 'back';
interface Outcome {
  token: 'revoked' | 'live' | 'loggedOutWhileDown';
  sentIn: Phase;
  status: number;
  body: string;
}

describe('Redis dies under load on two instances', { skip: redisServerMissing ?? false }, () => {
  let redis: RedisServer | undefined;
  let db: Database | undefined;
  const instances: TestApp[] = [];
  let user: TestIdentity;

  before(async () => {
    redis = await startRedisServer();
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const store = createRedisStore({
        mirroredPrefixes: MIRRORED_PREFIXES,
        url: redis.url,
        keyPrefix: 'resilience:',
      });
      const t = await buildTestApp({ LOGIN_RATE_LIMIT: '3/minute' }, { db, store });
      instances.push(t);
      await t.app.ready();
    }
    user = await createTenantUser(instances[0] as TestApp);
  });
  after(async () => {
    for (const t of instances) {
      await t.close();
      await t.store.close();
    }
    await db?.close();
    await redis?.kill();
  });

  const on = (i: number) => (instances[i % 2] as TestApp).app;
  const login = async () => {
    const res = await on(0).inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { username: user.email, password: user.password },
    });
    assert.equal(res.statusCode, 200, res.body);
    return `Bearer ${res.json().access_token}`;
  };
  const bots = (i: number, authorization: string) =>
    within(
      on(i).inject({ method: 'GET', url: '/api/v1/bots', headers: { authorization } }),
      20_000,
      'GET /bots',
    );
  const logout = (i: number, authorization: string) =>
    within(
      on(i).inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization } }),
      20_000,
      'logout',
    );

  test('revocations hold at every moment, limits count per instance, and both instances recover', async () => {
    const tokens = { revoked: await login(), live: await login(), loggedOutWhileDown: await login() };
    assert.equal((await logout(0, tokens.revoked)).statusCode, 204);
    let phase: Phase = 'up';
    let loggedOutAt: number | undefined;
    const outcomes: Outcome[] = [];
    const kinds = Object.keys(tokens) as Outcome['token'][];
    const load = startLoad(6, async (n) => {
      const token = kinds[n % 3] as Outcome['token'];
      const sentIn = phase;
      const res = await bots(n, tokens[token]);
      outcomes.push({ token, sentIn, status: res.statusCode, body: res.body });
    });
    try {
      await eventually(async () => outcomes.length >= 30, 30_000);
      await (redis as RedisServer).kill();
      phase = 'down';
      assert.ok(
        await eventually(
          async () =>
            (await bots(0, tokens.live)).statusCode === 503 &&
            (await bots(1, tokens.live)).statusCode === 503,
          30_000,
        ),
        'both instances notice the outage',
      );
      const duringOutage = await logout(1, tokens.loggedOutWhileDown);
      if (duringOutage.statusCode < 300) loggedOutAt = outcomes.length;

      // Each login waits briefly for Redis before counting locally: both instances at once.
      const perInstance = await Promise.all(
        [0, 1].map(async (i) => {
          const ip = testIp();
          const attempts: number[] = [];
          for (let k = 0; k < 4; k++) {
            const res = await on(i).inject({
              method: 'POST',
              url: '/api/v1/auth/token',
              remoteAddress: ip,
              payload: { username: user.email, password: 'Wrong-password-1!' },
            });
            attempts.push(res.statusCode);
          }
          return attempts;
        }),
      );
      assert.deepEqual(
        perInstance,
        [
          [401, 401, 401, 429],
          [401, 401, 401, 429],
        ],
        'each instance counts the login limit by itself',
      );

      await (redis as RedisServer).start();
      phase = 'back';
      for (const i of [0, 1]) {
        assert.ok(
          await eventually(async () => (await bots(i, tokens.live)).statusCode === 200, 30_000),
          `instance ${i} recovers`,
        );
      }
      const answeredBefore = outcomes.length;
      await eventually(async () => outcomes.length >= answeredBefore + 60, 30_000);
    } finally {
      await load.stop();
    }

    assert.ok(
      outcomes.every((o) => [200, 401, 503].includes(o.status)),
      `statuses ${[...new Set(outcomes.map((o) => o.status))]}`,
    );
    for (const o of outcomes.filter((x) => x.status === 503))
      assert.equal(JSON.parse(o.body).code, 'SERVICE_UNAVAILABLE');
    assert.deepEqual(
      outcomes.filter((o) => o.token === 'revoked' && o.status === 200),
      [],
      'the revoked token is never accepted',
    );
    if (loggedOutAt !== undefined) {
      const afterLogout = outcomes.slice(loggedOutAt).filter((o) => o.token === 'loggedOutWhileDown');
      assert.ok(
        afterLogout.every((o) => o.status !== 200),
        'a logout acknowledged during the outage holds',
      );
    }
    assert.ok(
      outcomes.some((o) => o.sentIn === 'down' && o.status === 503),
      'the outage was seen under load',
    );
    assert.ok(outcomes.some((o) => o.sentIn === 'back' && o.token === 'live' && o.status === 200));
    for (const i of [0, 1])
      assert.equal((await on(i).inject({ method: 'GET', url: '/ready' })).statusCode, 200);

    const later = await login();
    assert.equal((await bots(1, later)).statusCode, 200);
    assert.equal((await logout(0, later)).statusCode, 204);
    assert.equal(
      (await bots(1, later)).statusCode,
      401,
      'the other instance refuses it at once: pub/sub is back',
    );
  });
});
