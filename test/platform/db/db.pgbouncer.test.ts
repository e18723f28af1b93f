// Issue 13, item 3: through PgBouncer in transaction pooling (the usual production set-up) the
// service starts, migrates, serves, keeps its statement timeout, and instances started one after the
// other or together never hang on the migration lock. A private cluster and a private PgBouncer on
// loopback (pg-cluster.ts, pgbouncer.ts), whatever DATABASE_URL says.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { migrate } from '../../../src/platform/db/index.ts';
import { createPostgresDatabase } from '../../../src/platform/db/postgres.ts';
import { runtimeRoleName } from '../../../src/platform/db/runtime-role.ts';
import type { ServiceProcess } from '../../helpers/process.ts';
import { startService } from '../../helpers/process.ts';
import { send, tokenFor } from '../../resilience/http-client.ts';
import { within } from '../../resilience/load.ts';
import type { PgCluster } from '../../resilience/pg-cluster.ts';
import { pgClusterUnavailable, startPgCluster } from '../../resilience/pg-cluster.ts';
import type { PgBouncer } from '../../resilience/pgbouncer.ts';
import { pgBouncerUnavailable, startPgBouncer } from '../../resilience/pgbouncer.ts';
import { serviceEnv } from '../../resilience/service-env.ts';

const unavailable = pgClusterUnavailable() ?? pgBouncerUnavailable();
const DATABASES = ['tw_pgb_serve', 'tw_pgb_together', 'tw_pgb_timeout', 'tw_pgb_lock'];

describe('PgBouncer in transaction pooling', { skip: unavailable ?? false }, () => {
  let cluster: PgCluster;
  let bouncer: PgBouncer;

  before(async () => {
    cluster = await startPgCluster();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    for (const name of DATABASES) await admin.query(`CREATE DATABASE ${name}`);
    // A session default that is not UTC: the service's own time zone must come with its transactions.
    await admin.query(`ALTER DATABASE tw_pgb_timeout SET timezone = 'America/New_York'`);
    await admin.end();
    bouncer = await startPgBouncer({ port: Number(new URL(cluster.url).port) }, [
      'postgres',
      ...DATABASES.map(runtimeRoleName),
    ]);
  });
  after(async () => {
    await bouncer?.stop();
    await cluster?.destroy();
  });

  async function service(database: string): Promise<ServiceProcess> {
    const { env } = serviceEnv({ DATABASE_URL: bouncer.url('postgres', database), REDIS_URL: '' });
    return startService(env);
  }

  test('the service starts, migrates and serves requests through it', async () => {
    const instance = await service('tw_pgb_serve');
    try {
      const email = `pgb-${Date.now()}@example.test`;
      const password = 'Bouncer-Pass-1!';
      const registered = await send(`${instance.url}/api/v1/auth/register`, 'POST', {
        email,
        password,
        full_name: 'Through PgBouncer',
      });
      assert.equal(registered.kind === 'response' && registered.status, 201);
      const token = await tokenFor(instance.url, email, password);
      const auth = { authorization: `Bearer ${token}` };
      const bot = { name: 'pooled', kind: 'internal', exchange: 'binance', strategy: 'grid' };
      const created = await send(`${instance.url}/api/v1/bots`, 'POST', bot, auth);
      assert.equal(created.kind === 'response' && created.status, 201);
      const listed = await send(`${instance.url}/api/v1/bots`, 'GET', undefined, auth);
      assert.ok(listed.kind === 'response' && listed.status === 200);
      const body = JSON.parse(listed.body) as { items: { name: string; created_at: string }[] };
      assert.deepEqual(
        body.items.map((b) => b.name),
        ['pooled'],
      );
      assert.match(body.items[0]?.created_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      await instance.stop();
    }
    // Restarted one after the other: the next instance finds no lock left behind.
    for (let i = 0; i < 2; i++) {
      const next = await service('tw_pgb_serve');
      await next.stop();
    }
  });

  test('two instances started together on a fresh database both migrate and start', async () => {
    const both = await Promise.all([service('tw_pgb_together'), service('tw_pgb_together')]);
    await Promise.all(both.map((instance) => instance.stop()));
  });

  test('the statement timeout holds in both the write and the read path', async () => {
    const db = createPostgresDatabase({
      url: bouncer.url('postgres', 'tw_pgb_timeout'),
      poolSize: 2,
      statementTimeoutMs: 300,
    });
    try {
      await migrate(db);
      const cancelled = (error: unknown) => (error as { code?: string }).code === '57014';
      const sleep = 'SELECT pg_sleep(10)';
      await within(
        assert.rejects(
          db.withTenant(null, (tx) => tx.query(sleep)),
          cancelled,
        ),
        8_000,
        'write path',
      );
      await within(
        assert.rejects(
          db.withTenant(null, (tx) => tx.query(sleep), { readOnly: true }),
          cancelled,
        ),
        8_000,
        'read path',
      );
      for (const readOnly of [false, true]) {
        const { rows } = await db.withTenant(
          null,
          (tx) =>
            tx.query<{ tz: string; now: string }>(
              "SELECT current_setting('TimeZone') AS tz, now()::text AS now",
            ),
          { readOnly },
        );
        assert.equal(rows[0]?.tz, 'UTC');
        assert.match(rows[0]?.now ?? '', /\+00$/);
      }
    } finally {
      await db.close();
    }
  });

  test('migrations one after the other and concurrently never wait on a leaked lock', async () => {
    const url = bouncer.url('postgres', 'tw_pgb_lock');
    const once = async () => {
      const db = createPostgresDatabase({ url, poolSize: 2 });
      try {
        return await migrate(db);
      } finally {
        await db.close();
      }
    };
    for (let i = 0; i < 4; i++) await within(once(), 30_000, `migration run ${i + 1}`);
    const together = await within(Promise.all([once(), once(), once()]), 30_000, 'concurrent migrations');
    assert.deepEqual(
      together.map((r) => r.applied),
      [[], [], []],
    );
  });
});
