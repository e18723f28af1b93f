// PostgreSQL stops (a crash: `pg_ctl stop -m immediate`) under concurrent writes and reads, then
// comes back. While it is down, data routes and /ready answer 503 in the contract's shape and no
// request hangs; afterwards the service resumes by itself, everything committed is there, and
// every request either wrote its change together with its audit record or wrote nothing.
// Uses a private cluster on a free port (pg-cluster.ts), whatever DATABASE_URL says.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate } from '../../src/platform/db/index.ts';
import { createPostgresDatabase } from '../../src/platform/db/postgres.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { createMemoryStore } from '../../src/platform/store/memory.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { eventually, startLoad, within } from './load.ts';
import type { PgCluster } from './pg-cluster.ts';
import { pgClusterUnavailable, startPgCluster } from './pg-cluster.ts';

const unavailable = pgClusterUnavailable();
const DEADLINE_MS = 20_000;

interface Outcome {
  name: string;
  /** The phase the request was sent in, and the one its answer came in. */
  phase: 'up' | 'down' | 'back';
  answeredIn: 'up' | 'down' | 'back';
  status: number;
  body: string;
  retryAfter?: string;
}

describe('PostgreSQL stops mid-run', { skip: unavailable ?? false }, () => {
  let cluster: PgCluster | undefined;
  let db: Database | undefined;
  let t: TestApp | undefined;
  let admin: TestIdentity;

  before(async () => {
    cluster = await startPgCluster();
    db = createPostgresDatabase({ url: cluster.url, poolSize: 5, connectionTimeoutMs: 2_000 });
    await migrate(db);
    t = await buildTestApp({}, { db, store: createMemoryStore() });
    await t.app.ready();
    admin = await createTenantUser(t);
  });
  after(async () => {
    await t?.close();
    await t?.store.close();
    await db?.close().catch(() => undefined);
    await cluster?.destroy();
  });

  const app = () => (t as TestApp).app;
  const createBot = (name: string) =>
    app().inject({
      method: 'POST',
      url: '/api/v1/bots',
      headers: admin.headers,
      payload: { name, kind: 'internal', exchange: 'binance', strategy: 'grid' },
    });
  const listBots = () => app().inject({ method: 'GET', url: '/api/v1/bots?limit=5', headers: admin.headers });

  test('503s in the contract shape while down, nothing hangs, resumes by itself, nothing lost or half-written', async () => {
    const outcomes: Outcome[] = [];
    let phase: Outcome['phase'] = 'up';
    const load = startLoad(4, async (n) => {
      const started = phase;
      const res = await within(
        n % 3 === 2 ? listBots() : createBot(`load-${n}`),
        DEADLINE_MS,
        `request ${n}`,
      );
      outcomes.push({
        name: n % 3 === 2 ? '' : `load-${n}`,
        phase: started,
        answeredIn: phase,
        status: res.statusCode,
        body: res.body,
        retryAfter: res.headers['retry-after'] as string | undefined,
      });
    });
    try {
      assert.ok(await eventually(async () => outcomes.filter((o) => o.status === 201).length >= 20, 30_000));
      await (cluster as PgCluster).stop('immediate');
      phase = 'down';
      assert.ok(
        await eventually(async () => outcomes.filter((o) => o.phase === 'down').length >= 20, 60_000),
        'requests keep being answered while the database is down',
      );
      const ready = await within(app().inject({ method: 'GET', url: '/ready' }), DEADLINE_MS, '/ready');
      assert.equal(ready.statusCode, 503, ready.body);
      assert.equal(ready.json().code, 'SERVICE_UNAVAILABLE');
      assert.equal(ready.json().checks.database, 'unavailable');
      assert.equal(ready.json().checks.state_store, 'ok');
      phase = 'back';
      await (cluster as PgCluster).start();
      assert.ok(
        await eventually(async () => (await listBots()).statusCode === 200, 60_000),
        'the service resumes without a restart',
      );
      await eventually(
        async () => outcomes.filter((o) => o.phase === 'back' && o.status === 201).length >= 10,
        30_000,
      );
    } finally {
      await load.stop();
    }

    const down = outcomes.filter((o) => o.phase === 'down' && o.answeredIn === 'down');
    assert.ok(down.length >= 10, `only ${down.length} requests sent and answered while down`);
    assert.ok(
      down.every((o) => o.status === 503),
      `while down: ${[...new Set(down.map((o) => o.status))]}`,
    );
    for (const o of outcomes.filter((x) => x.status >= 500)) {
      assert.equal(o.status, 503, o.body);
      assert.equal(JSON.parse(o.body).code, 'SERVICE_UNAVAILABLE', o.body);
      assert.equal(typeof JSON.parse(o.body).detail, 'string');
      assert.equal(o.retryAfter, '5');
    }
    assert.ok(
      outcomes.every((o) => [200, 201, 503].includes(o.status)),
      `statuses: ${[...new Set(outcomes.map((o) => o.status))]}`,
    );
    assert.equal((await app().inject({ method: 'GET', url: '/ready' })).statusCode, 200);

    const stored = await (db as Database).withOwner(async (q) => {
      const bots = await q.query<{ name: string; audits: number }>(
        `SELECT b.name, (SELECT count(*) FROM audit_log a WHERE a.resource_id = b.id::text AND a.action = 'bot.create')::int AS audits
           FROM bots b WHERE b.tenant_id = $1`,
        [admin.tenantId],
      );
      const orphans = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_log a WHERE a.tenant_id = $1 AND a.action = 'bot.create'
            AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.id::text = a.resource_id)`,
        [admin.tenantId],
      );
      return { bots: new Map(bots.rows.map((r) => [r.name, r.audits])), orphans: orphans.rows[0]?.n };
    });
    for (const o of outcomes.filter((x) => x.status === 201)) {
      assert.equal(
        stored.bots.get(o.name),
        1,
        `${o.name} was acknowledged (${o.phase}): it and its audit record exist`,
      );
    }
    for (const [name, audits] of stored.bots) assert.equal(audits, 1, `${name} has exactly one audit record`);
    assert.equal(stored.orphans, 0, 'no audit record without its bot');
    const failedButStored = outcomes.filter((o) => o.status === 503 && o.name && stored.bots.has(o.name));
    assert.ok(
      failedButStored.length <= 4,
      `at most the in-flight commits may land unacknowledged: ${failedButStored.length}`,
    );
    const verify = await app().inject({
      method: 'GET',
      url: '/api/v1/admin/audit-log/verify',
      headers: admin.headers,
    });
    assert.equal(verify.json().ok, true, verify.body);
  });
});
