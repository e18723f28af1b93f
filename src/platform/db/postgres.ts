// PostgreSQL through a `pg` pool: the server shape.
import type { Socket } from 'node:net';
import pg from 'pg';
import type { Database, Queryable, QueryResult, TenantTxOptions, Tx } from './types.ts';
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
    // Timestamps are read as PostgreSQL's text (platform/db/timestamps.ts), fastest in UTC.
    options: '-c TimeZone=UTC',
    // Pipelining: a query is written to the connection without waiting for the previous answer,
    // so BEGIN, the tenant scope and the first statement share one round trip (see withTenant).
    pipeline: true,
  } as pg.PoolConfig);
  // An idle client's connection dying (server restart) must not crash the process; the pool
  // drops it and the next checkout reconnects.
  pool.on('error', () => {});
  // The pool listens for a client's errors only while it is idle: a checked-out client whose
  // connection dies (PostgreSQL crash or restart) would emit 'error' to nobody, an uncaught
  // exception that ends the process. The same error fails the client's queries, handled there.
  pool.on('connect', (client) => client.on('error', () => {}));

  return {
    kind: 'postgres',
    async withTenant<T>(tenantId: string | null, fn: (tx: Tx) => Promise<T>, options: TenantTxOptions = {}) {
      const scope = scopeTenantSql(tenantId);
      const client = await pool.connect();
      return options.readOnly
        ? readOnlyWork(client, scope, tenantId, fn)
        : transaction(client, scope, tenantId, fn);
    },
    async withOwner<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        return await fn(wrapClient(client));
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

const noop = () => {};

/**
 * One transaction for all of `fn`'s statements. BEGIN and the scope are pipelined ahead of the
 * first statement instead of awaited: if they fail, the transaction is aborted and every statement
 * behind them fails too, so nothing ever runs unscoped. A connection that failed mid-transaction is
 * destroyed, never handed to the next request.
 */
async function transaction<T>(
  client: pg.PoolClient,
  scope: string,
  tenantId: string | null,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  const begin = client.query(`BEGIN; ${scope}`);
  begin.catch(noop);
  try {
    const result = await fn({ ...wrapClient(client), tenantId });
    await begin;
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
}

/**
 * Read-only work: every statement travels with its own BEGIN READ ONLY, scope and COMMIT in one
 * round trip. A failed scope aborts that transaction, so the statement fails rather than running
 * unscoped; COMMIT of an aborted transaction rolls it back.
 */
async function readOnlyWork<T>(
  client: pg.PoolClient,
  scope: string,
  tenantId: string | null,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  let broken: Error | undefined;
  const tx: Tx = {
    tenantId,
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const sent = corked(client, () => [
        client.query(`BEGIN READ ONLY; ${scope}`),
        client.query(sql, params as unknown[] | undefined),
        client.query('COMMIT'),
      ]);
      for (const p of sent) p.catch(noop);
      try {
        await sent[0];
        const result = await sent[1];
        await sent[2];
        return { rows: result?.rows as Row[], rowCount: result?.rowCount ?? 0 };
      } catch (error) {
        // Statement errors leave the connection usable (COMMIT rolled back); a failed scope or
        // COMMIT means the connection's state is unknown.
        await sent[2]?.catch((commitError: Error) => {
          broken = commitError;
        });
        throw error;
      }
    },
  };
  try {
    return await fn(tx);
  } finally {
    client.release(broken);
  }
}

/**
 * Runs `send` with the connection's socket corked, so that the pipelined statements it writes
 * leave in one write instead of one system call each.
 */
function corked<T>(client: pg.PoolClient, send: () => T): T {
  const socket = (client as unknown as { connection?: { stream?: Socket } }).connection?.stream;
  socket?.cork();
  try {
    return send();
  } finally {
    socket?.uncork();
  }
}

function wrapClient(client: pg.PoolClient | pg.Pool): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
  };
}
