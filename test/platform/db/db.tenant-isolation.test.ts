// Tenant isolation lives in the database: these run the same assertions against whichever shape
// the environment selects (PGlite in the embedded run, PostgreSQL in the server run).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Database, Tx } from '../../../src/platform/db/index.ts';
import { createTestDatabase, serverShape } from '../../helpers/app.ts';

async function seedTenant(db: Database, name: string) {
  const tenantId = randomUUID();
  await db.withTenant(tenantId, async (tx) => {
    await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, name]);
    for (const bot of ['alpha', 'beta']) {
      await tx.query(
        "INSERT INTO bots (tenant_id, name, kind, exchange, strategy) VALUES ($1, $2, 'internal', 'binance', 'grid')",
        [tenantId, `${name}-${bot}`],
      );
    }
  });
  return tenantId;
}

const isRlsRefusal = (error: unknown) => (error as { code?: string }).code === '42501';

describe(`tenant isolation by row-level security (${serverShape ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: Database;
  let tenantA: string;
  let tenantB: string;
  let RUNTIME_ROLE: string;

  before(async () => {
    // One connection, so "the next transaction on the same pooled connection" is guaranteed.
    db = await createTestDatabase({ poolSize: 1 });
    tenantA = await seedTenant(db, 'a');
    tenantB = await seedTenant(db, 'b');
    const { rows } = await db.withTenant(null, (tx) => tx.query<{ me: string }>('SELECT current_user AS me'));
    RUNTIME_ROLE = (rows[0] as { me: string }).me;
  });
  after(() => db.close());

  test('with no tenant set, select * from bots returns nothing', async () => {
    const { rows } = await db.withTenant(null, (tx) => tx.query('SELECT * FROM bots'));
    assert.equal(rows.length, 0);
  });

  test("with tenant A set, a query with no WHERE clause returns only A's rows", async () => {
    const { rows } = await db.withTenant(tenantA, (tx) =>
      tx.query<{ tenant_id: string }>('SELECT * FROM bots'),
    );
    assert.equal(rows.length, 2);
    assert.ok(rows.every((row) => row.tenant_id === tenantA));
    const tenants = await db.withTenant(tenantA, (tx) => tx.query<{ id: string }>('SELECT id FROM tenants'));
    assert.deepEqual(
      tenants.rows.map((r) => r.id),
      [tenantA],
    );
  });

  test("an INSERT of a row for tenant B from A's context is refused", async () => {
    await assert.rejects(
      db.withTenant(tenantA, (tx) =>
        tx.query(
          "INSERT INTO bots (tenant_id, name, kind, exchange, strategy) VALUES ($1, 'x', 'internal', 'e', 's')",
          [tenantB],
        ),
      ),
      isRlsRefusal,
    );
    const { rows } = await db.withTenant(tenantB, (tx) => tx.query('SELECT * FROM bots'));
    assert.equal(rows.length, 2);
  });

  test("A's context can neither move its rows to B nor touch B's rows", async () => {
    await assert.rejects(
      db.withTenant(tenantA, (tx) => tx.query('UPDATE bots SET tenant_id = $1', [tenantB])),
      isRlsRefusal,
    );
    const changed = await db.withTenant(tenantA, async (tx) => {
      const updated = await tx.query("UPDATE bots SET name = 'pwned' WHERE tenant_id = $1", [tenantB]);
      const deleted = await tx.query('DELETE FROM bots WHERE tenant_id = $1', [tenantB]);
      return updated.rowCount + deleted.rowCount;
    });
    assert.equal(changed, 0);
  });

  test('the tenant setting and the role do not leak to the next transaction on the same connection', async () => {
    await db.withTenant(tenantA, (tx) => tx.query('SELECT 1'));
    const leaked = await db.withOwner((q) =>
      q.query<{ tenant: string | null; role: string }>(
        "SELECT nullif(current_setting('app.current_tenant_id', true), '') AS tenant, current_user AS role",
      ),
    );
    assert.equal(leaked.rows[0]?.tenant, null);
    assert.notEqual(leaked.rows[0]?.role, RUNTIME_ROLE);
    const { rows } = await db.withTenant(null, (tx) => tx.query('SELECT * FROM bots'));
    assert.equal(rows.length, 0);
  });

  test('a transaction that fails leaves nothing behind and does not poison the connection', async () => {
    await assert.rejects(
      db.withTenant(tenantA, async (tx: Tx) => {
        await tx.query(
          "INSERT INTO bots (tenant_id, name, kind, exchange, strategy) VALUES ($1, 'half', 'internal', 'e', 's')",
          [tenantA],
        );
        await tx.query('SELECT * FROM no_such_table');
      }),
    );
    const { rows } = await db.withTenant(tenantA, (tx) => tx.query("SELECT * FROM bots WHERE name = 'half'"));
    assert.equal(rows.length, 0);
  });

  test('the runtime role owns no table and cannot bypass row-level security', async () => {
    const role = await db.withOwner((q) =>
      q.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
        'SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1',
        [RUNTIME_ROLE],
      ),
    );
    // The server shape logs in as it; the embedded shape's one session enters it with SET LOCAL ROLE.
    assert.deepEqual(role.rows[0], { rolsuper: false, rolbypassrls: false, rolcanlogin: serverShape });
    const owned = await db.withOwner((q) =>
      q.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1", [
        RUNTIME_ROLE,
      ]),
    );
    assert.equal(owned.rows.length, 0);
  });

  test('every tenant table has row-level security enabled and forced', async () => {
    const { rows } = await db.withOwner((q) =>
      q.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
        `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
         WHERE relname = ANY($1::text[]) AND relkind = 'r'`,
        [['tenants', 'users', 'sessions', 'bots', 'subscriptions', 'audit_log', 'security_events']],
      ),
    );
    assert.equal(rows.length, 7);
    for (const row of rows) {
      assert.ok(row.relrowsecurity && row.relforcerowsecurity, `${row.relname} must enable and force RLS`);
    }
  });

  test('the audit trail is append-only for the runtime role', async () => {
    await db.withTenant(tenantA, (tx) =>
      tx.query(
        `INSERT INTO audit_log (tenant_id, method, route, path, status, request_id, action, seq, prev_hash, hash)
         VALUES ($1, 'POST', '/x', '/x', 201, 'r', 'test', 1, '', 'h')`,
        [tenantA],
      ),
    );
    await assert.rejects(
      db.withTenant(tenantA, (tx) => tx.query("UPDATE audit_log SET action = 'forged'")),
      isRlsRefusal,
    );
    await assert.rejects(
      db.withTenant(tenantA, (tx) => tx.query('DELETE FROM audit_log')),
      isRlsRefusal,
    );
  });

  test('security events: pre-login events are stored but visible to no tenant', async () => {
    await db.withTenant(null, (tx) =>
      tx.query("INSERT INTO security_events (event_type, severity) VALUES ('login_failed', 'medium')"),
    );
    const seen = await db.withTenant(tenantA, (tx) =>
      tx.query('SELECT * FROM security_events WHERE tenant_id IS NULL'),
    );
    assert.equal(seen.rows.length, 0);
    await assert.rejects(
      db.withTenant(tenantA, (tx) =>
        tx.query("INSERT INTO security_events (tenant_id, event_type, severity) VALUES ($1, 'x', 'low')", [
          tenantB,
        ]),
      ),
      isRlsRefusal,
    );
  });

  describe('read-only work (each statement its own one-round-trip transaction)', () => {
    test("sees only the tenant's rows, statement after statement", async () => {
      const counts = await db.withTenant(
        tenantA,
        async (tx) => {
          const first = await tx.query<{ tenant_id: string }>('SELECT tenant_id FROM bots');
          const second = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM bots');
          assert.ok(first.rows.every((r) => r.tenant_id === tenantA));
          return [first.rows.length, second.rows[0]?.n];
        },
        { readOnly: true },
      );
      assert.deepEqual(counts, [2, 2]);
      const none = await db.withTenant(null, (tx) => tx.query('SELECT * FROM bots'), { readOnly: true });
      assert.equal(none.rows.length, 0);
    });

    test('runs as the runtime role, and neither role nor tenant outlives the statement', async () => {
      const inside = await db.withTenant(
        tenantA,
        (tx) =>
          tx.query<{ role: string; tenant: string; ro: string }>(
            "SELECT current_user AS role, current_setting('app.current_tenant_id') AS tenant, current_setting('transaction_read_only') AS ro",
          ),
        { readOnly: true },
      );
      assert.deepEqual(inside.rows[0], { role: RUNTIME_ROLE, tenant: tenantA, ro: 'on' });
      const after = await db.withOwner((q) =>
        q.query<{ tenant: string | null; role: string; ro: string }>(
          "SELECT nullif(current_setting('app.current_tenant_id', true), '') AS tenant, current_user AS role, current_setting('transaction_read_only') AS ro",
        ),
      );
      assert.equal(after.rows[0]?.tenant, null);
      assert.notEqual(after.rows[0]?.role, RUNTIME_ROLE);
      assert.equal(after.rows[0]?.ro, 'off');
    });

    test('refuses writes', async () => {
      await assert.rejects(
        db.withTenant(tenantA, (tx) => tx.query("UPDATE bots SET name = 'ro'"), { readOnly: true }),
        (error: unknown) => (error as { code?: string }).code === '25006',
      );
    });

    test('a failing statement leaves the connection clean for the next one', async () => {
      await assert.rejects(
        db.withTenant(tenantA, (tx) => tx.query('SELECT * FROM no_such_table'), { readOnly: true }),
      );
      const after = await db.withOwner((q) =>
        q.query<{ tenant: string | null }>(
          "SELECT nullif(current_setting('app.current_tenant_id', true), '') AS tenant",
        ),
      );
      assert.equal(after.rows[0]?.tenant, null);
      const { rows } = await db.withTenant(tenantB, (tx) => tx.query('SELECT * FROM bots'), {
        readOnly: true,
      });
      assert.equal(rows.length, 2);
    });
  });

  test('a tenant id that is not a UUID is refused before reaching SQL', async () => {
    await assert.rejects(
      db.withTenant("x'; DROP TABLE bots; --", async () => 1),
      TypeError,
    );
  });
});
