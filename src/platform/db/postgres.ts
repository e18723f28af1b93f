// PostgreSQL through a `pg` pool: the server shape.
import pg from 'pg';
import type { Database, Queryable, QueryResult, TenantTxOptions, Tx } from './types.ts';
import { RUNTIME_ROLE, scopeTenantId, scopeTenantSql } from './types.ts';

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
      // Checked before a connection is taken: an id that is not a UUID never reaches SQL.
      const tenant = tenantId === null ? '' : scopeTenantId(tenantId);
      const client = await pool.connect();
      return options.readOnly
        ? readOnlyWork(client, tenantId, tenant, fn)
        : transaction(client, scopeTenantSql(tenantId), tenantId, fn);
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
 * Read-only work: every statement travels with its tenant scope in one message sequence ending in
 * a single Sync (ScopedRead), so PostgreSQL runs both in one implicit transaction: one round trip,
 * and no BEGIN or COMMIT to parse. A failed scope skips the statement, so nothing ever runs
 * unscoped; at the Sync the scope ends with the transaction.
 */
async function readOnlyWork<T>(
  client: pg.PoolClient,
  tenantId: string | null,
  tenant: string,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  const scope = [RUNTIME_ROLE, tenant];
  let broken: Error | undefined;
  const tx: Tx = {
    tenantId,
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      try {
        const result = await scopedRead(client, scope, sql, params);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
      } catch (error) {
        // An error PostgreSQL answered leaves the connection clean (the implicit transaction is
        // over at the Sync); anything else (a dead socket) means its state is unknown.
        if (!(error instanceof pg.DatabaseError)) broken = error as Error;
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

// set_config(…, true) is SET LOCAL: role, tenant and read-only mode end with the transaction.
const READ_SCOPE_SQL = `SELECT set_config('role', $1, true), set_config('app.current_tenant_id', $2, true),
  set_config('transaction_read_only', 'on', true)`;

interface PgConnection {
  parse(options: { text: string; name?: string; types?: unknown[] }): void;
  bind(options: { portal?: string; statement?: string; values?: unknown[] }): void;
  describe(options: { type: 'P' | 'S'; name?: string }): void;
  execute(options: { portal?: string; rows?: number }): void;
}

type ExtendedQueryConfig = pg.QueryConfig & {
  queryMode: 'extended';
  callback: (error: Error | null, results?: unknown) => void;
};

// pg's Query, typed with the parts this file uses (its type definitions leave them out).
const PgQuery = pg.Query as unknown as new (
  config: ExtendedQueryConfig,
) => { prepare(connection: PgConnection): void };

/**
 * A pg Query whose extended-protocol messages are preceded by the scope statement's, without a
 * Sync between them. pg reads the two results as a multi-statement answer: [scope, statement].
 */
class ScopedRead extends PgQuery {
  readonly #scope: string[];

  constructor(scope: string[], config: ExtendedQueryConfig) {
    super(config);
    this.#scope = scope;
  }

  override prepare(connection: PgConnection): void {
    connection.parse({ text: READ_SCOPE_SQL, name: '', types: [] });
    connection.bind({ portal: '', statement: '', values: this.#scope });
    connection.describe({ type: 'P', name: '' });
    connection.execute({ portal: '', rows: 0 });
    super.prepare(connection);
  }
}

/** `scope`: the role and tenant id (validated) that READ_SCOPE_SQL sets. */
function scopedRead(
  client: pg.PoolClient,
  scope: string[],
  sql: string,
  params?: readonly unknown[],
): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new ScopedRead(scope, {
      text: sql,
      values: (params ?? []) as unknown[],
      // Extended protocol even without parameters: the scope must travel in the same sequence.
      queryMode: 'extended',
      callback: (error, results) => {
        if (error) reject(error);
        else resolve((results as pg.QueryResult[])[1] as pg.QueryResult);
      },
    });
    client.query(query as unknown as pg.QueryConfig);
  });
}

function wrapClient(client: pg.PoolClient | pg.Pool): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
    },
  };
}
