// PostgreSQL in-process (PGlite): the embedded shape. Same SQL, migrations and row-level security
// as the server shape; one connection, so transactions run one at a time. That connection is a
// superuser session: requests enter the NOLOGIN runtime role with SET LOCAL ROLE, which row-level
// security and the grants then bind, but code running in the process could leave it again. The
// boundary here is the process itself (no network listener reaches the database; DATA_DIR is 0700).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Transaction } from '@electric-sql/pglite';
import { PGlite } from '@electric-sql/pglite';
import type { DataDirLock } from './data-dir-lock.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { Database, Queryable, QueryResult, TenantTxOptions, Tx } from './types.ts';
import { embeddedScopeSql } from './types.ts';

export interface PgliteOptions {
  /** Directory to persist into; undefined keeps the database in memory (tests). */
  dataDir?: string;
}

type Runner = Pick<PGlite, 'query' | 'exec'> | Transaction;

export async function createPgliteDatabase(options: PgliteOptions): Promise<Database> {
  let lock: DataDirLock | undefined;
  let dbPath: string | undefined;
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    lock = lockDataDir(options.dataDir);
    dbPath = join(options.dataDir, 'pglite');
    // We hold the lock, so any postmaster.pid left in the database directory belongs to a process
    // that died (kill -9); PGlite hangs or aborts on it at open, so it goes.
    rmSync(join(dbPath, 'postmaster.pid'), { force: true });
  }
  let db: PGlite;
  try {
    db = new PGlite(dbPath, { parsers: { 20: (value: string) => Number(value) } });
    await db.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }

  const wrap = (runner: Runner): Queryable => ({
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      if (params === undefined || params.length === 0) {
        // Simple protocol, like pg without parameters: allows multi-statement scripts.
        const results = await runner.exec(sql);
        const last = results.at(-1);
        return {
          rows: (last?.rows ?? []) as Row[],
          rowCount: Math.max(last?.affectedRows ?? 0, last?.rows.length ?? 0),
        };
      }
      const result = await runner.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
    },
  });

  let closed = false;
  return {
    kind: 'pglite',
    runtimeLogin: { mode: 'embedded' },
    withTenant<T>(
      tenantId: string | null,
      fn: (tx: Tx) => Promise<T>,
      options: TenantTxOptions = {},
    ): Promise<T> {
      // One connection, no round trips to save: read-only work is one READ ONLY transaction.
      return db.transaction(async (transaction) => {
        if (options.readOnly) await transaction.exec('SET TRANSACTION READ ONLY');
        await transaction.exec(embeddedScopeSql(tenantId));
        return fn({ ...wrap(transaction), tenantId });
      });
    },
    async withOwner<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      return fn(wrap(db));
    },
    async ping() {
      if (closed) throw new Error('database closed');
      await db.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        lock?.release();
      }
    },
  };
}
