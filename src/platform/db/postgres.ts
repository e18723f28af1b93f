// PostgreSQL through a `pg` pool: the server shape.
import pg from 'pg';
import type { RuntimeLoginSecret } from './runtime-role.ts';
import { readDerivedLogin, runtimeRoleProblem } from './runtime-role.ts';
import type { Database, Queryable, QueryResult, RuntimeLogin, TenantTxOptions, Tx } from './types.ts';
import { scopeTenantId, serverScopeSql } from './types.ts';

// Keep timestamps, bigints and numerics as the database sends them, except the ones we read as
// numbers: int8 counts (e.g. audit sequence numbers) fit in a double for this service's lifetime.
pg.types.setTypeParser(20, (v: string) => Number(v));

export interface PostgresOptions {
  /** DATABASE_URL: the runtime login role, or (without ownerUrl) the owner. */
  url: string;
  /** MIGRATION_DATABASE_URL: the schema owner, for the migrator and the command line only. */
  ownerUrl?: string;
  poolSize: number;
  /** Bound on how long a request waits for a connection before answering 503. */
  connectionTimeoutMs?: number;
  statementTimeoutMs?: number;
}

// The owner's connections serve the migrator and the command line: a few suffice.
const OWNER_POOL_SIZE = 4;

function createPool(url: string, max: number, connectionTimeoutMs: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
    // No start-up parameters beyond the name (PgBouncer refuses statement_timeout and options):
    // the statement timeout and the time zone travel with every transaction (serverScopeSql).
    application_name: 'tradewise',
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
  return pool;
}

/** `url` with another user and password: same host, port, database and parameters. */
function loginUrl(url: string, login: RuntimeLoginSecret): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(login.role);
  parsed.password = encodeURIComponent(login.password);
  return parsed.toString();
}

function provisionedRole(url: string): string {
  const user = decodeURIComponent(new URL(url).username);
  if (user === '') {
    throw new Error(
      'DATABASE_URL must name its user (the runtime login role) when MIGRATION_DATABASE_URL is set',
    );
  }
  return user;
}

export function createPostgresDatabase(options: PostgresOptions): Database {
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 5_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
  const timeout = String(statementTimeoutMs);
  const split = options.ownerUrl !== undefined;
  const owner = createPool(options.ownerUrl ?? options.url, OWNER_POOL_SIZE, connectionTimeoutMs);
  const runtimeLogin: RuntimeLogin = split
    ? { mode: 'provisioned', role: provisionedRole(options.url) }
    : { mode: 'derived' };
  let runtime: pg.Pool | undefined = split
    ? createPool(options.url, options.poolSize, connectionTimeoutMs)
    : undefined;
  let checked = false;
  let opening: Promise<pg.Pool> | undefined;

  /**
   * The request pool, checked once: a role that could leave its scope is refused before it serves.
   * With one DATABASE_URL that is the owner, it logs in as the runtime role the migrator made; one
   * that is already a bare login role (migrations run elsewhere) serves as it is.
   */
  async function open(): Promise<pg.Pool> {
    let pool = runtime;
    if (pool === undefined) {
      const fit = await roleProblem(owner);
      if (fit === undefined) pool = owner;
      else {
        const client = await owner.connect();
        try {
          pool = createPool(
            loginUrl(options.url, await readDerivedLogin(wrapClient(client))),
            options.poolSize,
            connectionTimeoutMs,
          );
        } finally {
          client.release();
        }
      }
    }
    const problem = await roleProblem(pool);
    if (problem !== undefined) {
      if (pool !== owner) await pool.end().catch(noop);
      throw new Error(
        `${problem}: requests must log in as a role that owns nothing and is a member of nothing`,
      );
    }
    runtime = pool;
    checked = true;
    return pool;
  }
  const requestPool = (): pg.Pool | Promise<pg.Pool> => {
    if (checked && runtime !== undefined) return runtime;
    opening ??= open().finally(() => {
      opening = undefined;
    });
    return opening;
  };

  return {
    kind: 'postgres',
    runtimeLogin,
    async withTenant<T>(tenantId: string | null, fn: (tx: Tx) => Promise<T>, options: TenantTxOptions = {}) {
      // Checked before a connection is taken: an id that is not a UUID never reaches SQL.
      const tenant = tenantId === null ? '' : scopeTenantId(tenantId);
      const client = await (await requestPool()).connect();
      return options.readOnly
        ? readOnlyWork(client, tenantId, [tenant, timeout], fn)
        : transaction(client, serverScopeSql(tenantId, statementTimeoutMs), tenantId, fn);
    },
    async withOwner<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const client = await owner.connect();
      try {
        return await fn(wrapClient(client));
      } finally {
        client.release();
      }
    },
    async ping() {
      await (await requestPool()).query('SELECT 1');
    },
    async close() {
      await Promise.allSettled([
        owner.end(),
        runtime !== undefined && runtime !== owner ? runtime.end() : undefined,
      ]);
    },
  };
}

async function roleProblem(pool: pg.Pool): Promise<string | undefined> {
  const client = await pool.connect();
  try {
    const q = wrapClient(client);
    const { rows } = await q.query<{ me: string }>('SELECT current_user AS me');
    return await runtimeRoleProblem(q, (rows[0] as { me: string }).me, false);
  } finally {
    client.release();
  }
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
  scope: string[],
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
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

// set_config(…, true) is SET LOCAL: tenant, read-only mode, statement timeout and time zone end with
// the transaction (no session state: PgBouncer may give the next one another server connection).
// The timeout applies from the next statement on: PostgreSQL arms it per Parse/Execute message.
const READ_SCOPE_SQL = `SELECT set_config('app.current_tenant_id', $1, true), set_config('transaction_read_only', 'on', true),
  set_config('statement_timeout', $2, true), set_config('TimeZone', 'UTC', true)`;

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

// pg's Query, typed with the parts this file uses (its type definitions leave them out). As a
// Submittable, `client.query(query)` returns the query itself: the answer comes to its callback.
const PgQuery = pg.Query as unknown as new (
  config: ExtendedQueryConfig,
) => pg.Submittable & { prepare(connection: PgConnection): void };

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

/** `scope`: the tenant id (validated) and statement timeout that READ_SCOPE_SQL sets. */
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
    client.query(query);
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
