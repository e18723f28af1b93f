// Issue 13, item 5: three instances on one PostgreSQL and one Redis, one user's authenticated reads
// spread round-robin over them. Each instance counts usage locally (no round trip for users far
// below the limit), yet the limit holds across instances within 10 %, and exactly one instance
// decides the crossing: one suspicious_api_usage event, one throttle, one alert per window.
// Before the fix, 110–156 calls were served at a limit of 100, and in some runs the count passed
// 160 with no event, no throttle and no alert (no instance saw exactly limit + 1).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MIRRORED_PREFIXES } from '../../src/mirrored-keys.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { createRedisStore } from '../../src/platform/store/redis.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestDatabase, redisShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

const LIMIT = 100;
const CALLS = 170;
const IN_FLIGHT = 24;
const ROUNDS = 4;

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await sleep(25);
  }
}

describe('usage limit across three instances', {
  skip: redisShape ? false : 'needs REDIS_URL: the in-process store serves one instance only',
}, () => {
  const alerts: { event_type: string; user_id: string | null }[] = [];
  const receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      alerts.push(JSON.parse(body) as { event_type: string; user_id: string | null });
      res.writeHead(204).end();
    });
  });
  const prefix = `tw-test:${randomUUID()}:`;
  const stores = [0, 1, 2].map(() =>
    createRedisStore({
      mirroredPrefixes: MIRRORED_PREFIXES,
      url: process.env.REDIS_URL as string,
      keyPrefix: prefix,
    }),
  );
  let db: Database;
  let apps: TestApp[] = [];

  before(async () => {
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const port = (receiver.address() as { port: number }).port;
    db = await createTestDatabase({ poolSize: 10 });
    const env = {
      SUSPICIOUS_API_CALLS_PER_MINUTE: String(LIMIT),
      USER_RATE_LIMIT_SECONDS: '300',
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
    };
    apps = await Promise.all(stores.map((store) => buildTestApp(env, { db, store })));
    await Promise.all(apps.map((t) => t.app.ready()));
    await until(() => stores.every((s) => s.stats().mirrorSynced), 'every mirror in sync');
  });
  after(async () => {
    await Promise.all(apps.map((t) => t.close()));
    await Promise.all(stores.map((s) => s.close()));
    await db?.close();
    receiver.close();
  });

  /** Fires CALLS reads by `user`, IN_FLIGHT at a time, round-robin over the instances. */
  async function burst(user: TestIdentity): Promise<number[]> {
    const statuses: number[] = [];
    let next = 0;
    const lane = async () => {
      while (next < CALLS) {
        const i = next++;
        const t = apps[i % apps.length] as TestApp;
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/bots', headers: user.headers });
        statuses.push(res.statusCode);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    return statuses;
  }

  const eventsOf = async (user: TestIdentity) =>
    (
      await db.withTenant(user.tenantId, (tx) =>
        tx.query<{ event_type: string }>('SELECT event_type FROM security_events WHERE user_id = $1', [
          user.userId,
        ]),
      )
    ).rows.map((r) => r.event_type);

  test('calls served stay within 10 % of the limit, and the crossing is recorded, throttled and alerted once', async () => {
    const users: TestIdentity[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A burst that straddles a minute boundary is counted in two windows: start well inside one.
      while (Date.now() % 60_000 > 45_000) await sleep(200);
      const user = await createTenantUser(apps[0] as TestApp, { roles: ['user'] });
      users.push(user);
      const statuses = await burst(user);
      const served = statuses.filter((s) => s === 200).length;
      assert.ok(served >= LIMIT * 0.9, `round ${round}: ${served} served, the limit is ${LIMIT}`);
      assert.ok(served <= LIMIT * 1.1, `round ${round}: ${served} calls served at a limit of ${LIMIT}`);
      assert.deepEqual(
        new Set(statuses.filter((s) => s !== 200)),
        new Set([429]),
        `round ${round}: the rest refused`,
      );

      // The throttle reaches every instance: later calls are refused for USER_RATE_LIMIT_SECONDS,
      // not for what is left of the minute.
      for (const t of apps) {
        await until(async () => {
          const res = await t.app.inject({ method: 'GET', url: '/api/v1/bots', headers: user.headers });
          return res.statusCode === 429 && Number(res.headers['retry-after']) > 60;
        }, `round ${round}: throttle seen by every instance`);
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/bots', headers: user.headers });
        assert.equal(res.json().code, 'USER_THROTTLED');
      }
      await until(async () => (await eventsOf(user)).includes('user_throttled'), 'throttle recorded');
      const types = await eventsOf(user);
      assert.equal(types.filter((x) => x === 'suspicious_api_usage').length, 1, `round ${round}: ${types}`);
      assert.equal(types.filter((x) => x === 'user_throttled').length, 1, `round ${round}: ${types}`);
    }

    // Closing an app waits for its alert deliveries: after that, every alert there will be is in.
    await Promise.all(apps.map((t) => t.close()));
    apps = [];
    for (const user of users) {
      const mine = alerts.filter(
        (a) => a.user_id === user.userId && a.event_type === 'security_suspicious_api_usage',
      );
      assert.equal(mine.length, 1, `one alert for user ${user.userId}`);
    }
  });
});
