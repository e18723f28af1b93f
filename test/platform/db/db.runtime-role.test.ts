// Issue 13, item 4: the runtime role is a boundary. Requests log in as a per-database role that owns
// nothing and is a member of nothing; it cannot become another role, delete a tenant or reach an
// audit record; the owners of other databases on the cluster cannot even connect; the service runs
// with a least-privilege DATABASE_URL next to MIGRATION_DATABASE_URL; MIGRATE_ON_START=false refuses
// an old schema; a command line that cannot see every tenant says so. A private cluster
// (pg-cluster.ts), since roles are cluster-wide, whatever DATABASE_URL says.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { migrate } from '../../../src/platform/db/index.ts';
import { MIGRATIONS_DIR, readMigrations } from '../../../src/platform/db/migrator.ts';
import { createPostgresDatabase } from '../../../src/platform/db/postgres.ts';
import { runtimeRoleName } from '../../../src/platform/db/runtime-role.ts';
import type { Database } from '../../../src/platform/db/types.ts';
import { runServiceExpectingExit, startService } from '../../helpers/process.ts';
import { send, tokenFor } from '../../resilience/http-client.ts';
import type { PgCluster } from '../../resilience/pg-cluster.ts';
import { pgClusterUnavailable, startPgCluster } from '../../resilience/pg-cluster.ts';
import { serviceEnv, tradewise } from '../../resilience/service-env.ts';

const unavailable = pgClusterUnavailable();
const refused = (error: unknown) => (error as { code?: string }).code === '42501';

describe('the runtime role is a boundary (PostgreSQL)', { skip: unavailable ?? false }, () => {
  let cluster: PgCluster;
  let admin: pg.Client;
  let db: Database;
  const urlOf = (user: string, database: string) => {
    const url = new URL(cluster.url);
    url.username = user;
    url.pathname = `/${database}`;
    return url.toString();
  };
  const tenant = randomUUID();

  before(async () => {
    cluster = await startPgCluster();
    admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE tw_rr_main');
    // Another deployment on the same cluster, with an owner of its own (CREATEROLE, as managed
    // PostgreSQL's admin users have), migrated the same way.
    await admin.query('CREATE ROLE tw_rr_other_owner LOGIN CREATEROLE');
    await admin.query('CREATE DATABASE tw_rr_other OWNER tw_rr_other_owner');
    db = createPostgresDatabase({ url: urlOf('postgres', 'tw_rr_main'), poolSize: 2 });
    await migrate(db);
    const other = createPostgresDatabase({ url: urlOf('tw_rr_other_owner', 'tw_rr_other'), poolSize: 1 });
    await migrate(other);
    await other.close();
    await db.withTenant(tenant, async (tx) => {
      await tx.query("INSERT INTO tenants (id, name) VALUES ($1, 'main')", [tenant]);
      await tx.query(
        "INSERT INTO bots (tenant_id, name, kind, exchange, strategy) VALUES ($1, 'secret', 'internal', 'e', 's')",
        [tenant],
      );
      for (let seq = 1; seq <= 3; seq++) {
        await tx.query(
          `INSERT INTO audit_log (tenant_id, method, route, path, status, request_id, action, seq, prev_hash, hash)
           VALUES ($1, 'POST', '/x', '/x', 201, 'r', 'test', $2, '', 'h')`,
          [tenant, seq],
        );
      }
    });
  });
  after(async () => {
    await db?.close();
    await admin?.end();
    await cluster?.destroy();
  });

  const auditCount = async () => {
    const { rows } = await db.withOwner((q) =>
      q.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1', [tenant]),
    );
    return rows[0]?.n;
  };

  test('inside a tenant transaction it cannot become the owner, a superuser or the old shared role', async () => {
    for (const readOnly of [false, true]) {
      for (const role of ['postgres', 'tradewise_app']) {
        await assert.rejects(
          db.withTenant(tenant, (tx) => tx.query(`SELECT set_config('role', '${role}', true)`), { readOnly }),
          refused,
          `set_config('role', '${role}') (readOnly: ${readOnly})`,
        );
      }
    }
    await assert.rejects(
      db.withTenant(tenant, (tx) => tx.query('SET LOCAL ROLE postgres')),
      refused,
    );
  });

  test('it is a login role named after this database, owning nothing and a member of nothing', async () => {
    const { rows } = await db.withTenant(null, (tx) =>
      tx.query<Record<string, unknown>>(
        `SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolinherit,
           (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS memberships,
           (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
      ),
    );
    assert.deepEqual(rows[0], {
      rolname: runtimeRoleName('tw_rr_main'),
      rolsuper: false,
      rolbypassrls: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolcanlogin: true,
      rolinherit: false,
      memberships: 0,
      owned: 0,
    });
    assert.notEqual(runtimeRoleName('tw_rr_main'), runtimeRoleName('tw_rr_other'));
  });

  test('it cannot delete a tenant, nor an audit record by any path; no foreign key cascades into the trail', async () => {
    await assert.rejects(
      db.withTenant(tenant, (tx) => tx.query('DELETE FROM tenants WHERE id = $1', [tenant])),
      refused,
    );
    await assert.rejects(
      db.withTenant(tenant, (tx) => tx.query('DELETE FROM audit_log')),
      refused,
    );
    await assert.rejects(
      db.withTenant(tenant, (tx) => tx.query('TRUNCATE audit_log')),
      refused,
    );
    await assert.rejects(
      db.withTenant(tenant, (tx) => tx.query('DELETE FROM audit_chain_heads')),
      refused,
    );
    // Not even the owner erases the trail by deleting the tenant: the foreign key refuses.
    await assert.rejects(
      db.withOwner((q) => q.query('DELETE FROM tenants WHERE id = $1', [tenant])),
      (error: unknown) => (error as { code?: string }).code === '23503',
    );
    assert.equal(await auditCount(), 3);
    const { rows } = await db.withOwner((q) =>
      q.query<{ conname: string }>(
        `SELECT conname FROM pg_constraint WHERE contype = 'f' AND confdeltype = 'c'
           AND conrelid IN ('audit_log'::regclass, 'audit_chain_heads'::regclass, 'audit_checkpoints'::regclass,
                            'security_events'::regclass)`,
      ),
    );
    assert.deepEqual(rows, []);
  });

  test("another database's owner (or runtime role) on the same cluster cannot connect to this one", async () => {
    for (const user of ['tw_rr_other_owner', runtimeRoleName('tw_rr_other')]) {
      const intruder = new pg.Client({ connectionString: urlOf(user, 'tw_rr_main') });
      await assert.rejects(intruder.connect(), refused, user);
      await intruder.end().catch(() => undefined);
    }
    const { rows } = await db.withOwner((q) =>
      q.query<{ public_connect: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_database d, aclexplode(d.datacl) a
           WHERE d.datname = current_database() AND a.grantee = 0 AND a.privilege_type = 'CONNECT') AS public_connect`,
      ),
    );
    assert.equal(rows[0]?.public_connect, false);
  });

  describe('owner and runtime login split (MIGRATION_DATABASE_URL)', () => {
    const login = 'tw_rr_split_login';
    before(async () => {
      await admin.query('CREATE DATABASE tw_rr_split');
      // What ops/deploy/postgres.md tells the operator to run.
      await admin.query(`CREATE ROLE ${login} LOGIN NOINHERIT PASSWORD 'not-used-under-trust'`);
    });

    test('the service migrates as the owner and serves as a login role that has only the runtime grants', async () => {
      const { env, cleanup } = serviceEnv({
        DATABASE_URL: urlOf(login, 'tw_rr_split'),
        MIGRATION_DATABASE_URL: urlOf('postgres', 'tw_rr_split'),
        REDIS_URL: '',
      });
      try {
        const instance = await startService(env);
        try {
          const email = `split-${Date.now()}@example.test`;
          const password = 'Split-Roles-1!';
          await send(`${instance.url}/api/v1/auth/register`, 'POST', { email, password, full_name: 'Split' });
          const token = await tokenFor(instance.url, email, password);
          const listed = await send(`${instance.url}/api/v1/bots`, 'GET', undefined, {
            authorization: `Bearer ${token}`,
          });
          assert.equal(listed.kind === 'response' && listed.status, 200);
        } finally {
          await instance.stop();
        }
        // Migrations as a release step; the service itself then holds only the login role.
        const migrated = tradewise({ ...env, MIGRATE_ON_START: 'false' }, 'migrate');
        assert.equal(migrated.code, 0, migrated.output);
        const { MIGRATION_DATABASE_URL: _owner, ...runtimeOnly } = env;
        const lean = await startService({ ...runtimeOnly, MIGRATE_ON_START: 'false' });
        await lean.stop();
        // The command line with nothing but the login role says what it lacks, never "ok".
        for (const command of ['verify-audit', 'purge']) {
          const run = tradewise({ ...runtimeOnly, MIGRATE_ON_START: 'false' }, command);
          assert.equal(run.code, 1, run.output);
          assert.match(run.output, new RegExp(`${command} must run as the schema owner`));
          assert.doesNotMatch(run.output, /"ok":true/);
        }
      } finally {
        cleanup();
      }
    });

    test('a privileged DATABASE_URL next to MIGRATION_DATABASE_URL stops start-up, saying why', async () => {
      const { env, cleanup } = serviceEnv({
        DATABASE_URL: urlOf('postgres', 'tw_rr_split'),
        MIGRATION_DATABASE_URL: urlOf('postgres', 'tw_rr_split'),
        REDIS_URL: '',
      });
      try {
        const { code, output } = await runServiceExpectingExit(env);
        assert.notEqual(code, 0);
        assert.match(output, /role "postgres" is a superuser/);
      } finally {
        cleanup();
      }
    });
  });

  test('MIGRATE_ON_START=false with an older schema refuses to start, naming the missing migration', async () => {
    await admin.query('CREATE DATABASE tw_rr_old');
    const dir = mkdtempSync(join(tmpdir(), 'tw-old-migrations-'));
    const all = readMigrations();
    const latest = all.at(-1) as { version: number; name: string };
    for (const m of all.slice(0, -1)) {
      const file = `${String(m.version).padStart(4, '0')}_${m.name}.sql`;
      copyFileSync(join(MIGRATIONS_DIR, file), join(dir, file));
    }
    const old = createPostgresDatabase({ url: urlOf('postgres', 'tw_rr_old'), poolSize: 1 });
    await migrate(old, dir);
    await old.close();
    rmSync(dir, { recursive: true, force: true });
    const { env, cleanup } = serviceEnv({
      DATABASE_URL: urlOf('postgres', 'tw_rr_old'),
      MIGRATE_ON_START: 'false',
      REDIS_URL: '',
    });
    try {
      const { code, output } = await runServiceExpectingExit(env);
      assert.notEqual(code, 0);
      assert.match(
        output,
        new RegExp(`${String(latest.version).padStart(4, '0')}_${latest.name} is not applied`),
      );
      const count = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'tw_rr_old'");
      assert.equal(count.rowCount, 1);
    } finally {
      cleanup();
    }
  });
});
