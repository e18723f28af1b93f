// Plain-SQL migrations (`migrations/NNNN_name.sql`), applied in order, each once, each in its own
// transaction, by the same code in both shapes. Safe to run on every start and from the command
// line: instances starting together serialise on an advisory lock, and an applied file that has
// since been edited stops start-up instead of leaving two schemas that claim the same version.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = readMigrations(dir);
  return db.withOwner(async (q) => {
    const serverShape = db.kind === 'postgres';
    if (serverShape) await q.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_ID]);
    try {
      return await applyPending(q, migrations);
    } finally {
      if (serverShape) await q.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_ID]);
    }
  });
}

async function applyPending(q: Queryable, migrations: Migration[]): Promise<{ applied: string[] }> {
  await q.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await q.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations',
  );
  const done = new Map(rows.map((r) => [r.version, r.checksum]));
  const applied: string[] = [];
  for (const migration of migrations) {
    const checksum = done.get(migration.version);
    if (checksum !== undefined) {
      if (checksum !== migration.checksum) {
        throw new Error(
          `migration ${migration.version}_${migration.name} changed after it was applied; add a new migration instead`,
        );
      }
      continue;
    }
    await q.query('BEGIN');
    try {
      await q.query(migration.sql);
      await q.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      await q.query('COMMIT');
    } catch (error) {
      await q.query('ROLLBACK');
      throw new Error(`migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`);
    }
    applied.push(`${String(migration.version).padStart(4, '0')}_${migration.name}`);
  }
  return { applied };
}
