// Plain-SQL migrations (`migrations/NNNN_name.sql`), applied in order, each once, each in its own
// transaction, by the same code in both shapes. Safe to run on every start and from the command
// line: instances starting together serialise on a transaction-scoped advisory lock, and an applied
// file that has since been edited stops start-up instead of leaving two schemas that claim the same
// version.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { grantRuntimeRole } from './runtime-role.ts';
import type { Database, Queryable } from './types.ts';

// migrations/ sits at the package root: three levels up from this file in src/, one level up from
// the bundle in dist/.
export const MIGRATIONS_DIR = ['../../../migrations/', '../migrations/']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((dir) => existsSync(dir)) as string;

// Any constant works; this one spells "tradewise" in the lock table for whoever looks.
const ADVISORY_LOCK_ID = 7_261_712_393;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.slice(5, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
  const versions = new Set(migrations.map((m) => m.version));
  if (versions.size !== migrations.length) throw new Error(`duplicate migration version in ${dir}`);
  return migrations;
}

export interface MigrateResult {
  applied: string[];
  /** Something an operator should fix that does not stop the service (logged at start). */
  warnings: string[];
}

/**
 * Applies what is pending, then (re)grants the runtime role exactly its privileges, all in one
 * transaction that first takes a transaction-scoped advisory lock: instances starting together
 * serialise (the first applies everything, the others find nothing to do), and the lock cannot
 * outlive its transaction or be released on another server connection, which a session lock behind
 * PgBouncer in transaction pooling is and does. Each migration runs under its own savepoint: one
 * that fails is undone whole and named, and the ones before it stay applied.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  return db.withOwner(async (q) => {
    const applied: string[] = [];
    await q.query('BEGIN');
    let failure: Error | undefined;
    let warnings: string[] = [];
    try {
      await q.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_ID]);
      for (const migration of await pendingMigrations(q, migrations, true)) {
        failure = await step(q, async () => {
          await q.query(migration.sql);
          await q.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            migration.checksum,
          ]);
        });
        if (failure !== undefined) {
          failure = new Error(`migration ${label(migration)} failed: ${failure.message}`);
          break;
        }
        applied.push(label(migration));
      }
      if (failure === undefined) {
        failure = await step(q, async () => {
          warnings = await grantRuntimeRole(q, db.runtimeLogin);
        });
      }
      await q.query('COMMIT');
    } catch (error) {
      await q.query('ROLLBACK');
      throw error;
    }
    if (failure !== undefined) throw failure;
    return { applied, warnings };
  });
}

/** Runs `work` under a savepoint; on failure rolls back to it and returns the error. */
async function step(q: Queryable, work: () => Promise<void>): Promise<Error | undefined> {
  await q.query('SAVEPOINT migration_step');
  try {
    await work();
    await q.query('RELEASE SAVEPOINT migration_step');
    return undefined;
  } catch (error) {
    await q.query('ROLLBACK TO SAVEPOINT migration_step');
    return error as Error;
  }
}

/**
 * Without migrating (MIGRATE_ON_START=false): refuses a schema older than the code, naming the
 * first missing migration, or one whose applied migrations differ from the code's.
 */
export async function assertSchemaCurrent(db: Database, dir = MIGRATIONS_DIR): Promise<void> {
  const migrations = readMigrations(dir);
  const pending = await db.withOwner((q) => pendingMigrations(q, migrations, false));
  const first = pending[0];
  if (first !== undefined) {
    throw new Error(
      `the database schema is older than this code: migration ${label(first)} is not applied${
        pending.length > 1 ? ` (nor ${pending.length - 1} after it)` : ''
      }; run \`npx tradewise migrate\` first`,
    );
  }
}

function label(migration: Migration): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}`;
}

async function pendingMigrations(
  q: Queryable,
  migrations: Migration[],
  create: boolean,
): Promise<Migration[]> {
  if (create) {
    await q.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  }
  const exists = await q.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (exists.rows[0]?.present !== true) return migrations;
  const { rows } = await q.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations',
  );
  const done = new Map(rows.map((r) => [r.version, r.checksum]));
  for (const migration of migrations) {
    const checksum = done.get(migration.version);
    if (checksum !== undefined && checksum !== migration.checksum) {
      throw new Error(
        `migration ${label(migration)} changed after it was applied; add a new migration instead`,
      );
    }
  }
  return migrations.filter((m) => !done.has(m.version));
}
