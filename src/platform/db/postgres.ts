// PostgreSQL through a `pg` pool: the server shape.
import pg from 'pg';
import type { Database, Queryable, QueryResult, Tx } from './types.ts';
import { scopeTenantSql } from './types.ts';

// Keep timestamps, bigints and numerics as the database sends them, except the ones we read as
// numbers: int8 counts (e.g. audit sequence numbers) fit in a double for this service's lifetime.
pg.types.setTypeParser(20, (v: string) => Number(v));

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Bound on how long a request waits for a connection before answering 503. */
  connectionTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export function createPostgresDatabase(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 15_000,
    application_name: 'tradewise',
  });
  // An idle client's connection dying (server restart) must not crash the process; the pool
  // drops it and the next checkout reconnects.
  pool.on('error', () => {});

  const wrap = (client: pg.PoolClient | pg.Pool): Queryable => ({
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
  });

  return {
    kind: 'postgres',
    async withTenant<T>(tenantId: string | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // A connection that failed mid-transaction is destroyed, never handed to the next request.
      try {
        await client.query(`BEGIN; ${scopeTenantSql(tenantId)}`);
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
      try {
        const result = await fn({ ...wrap(client), tenantId });
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch (rollbackError) {
          client.release(rollbackError as Error);
        }
        throw error;
      }
    },
    async withOwner<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        return await fn(wrap(client));
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
