// The one query interface both storage shapes implement. Repositories receive a transaction
// (`Tx`) as their first argument and never open one themselves.

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
}

/** A transaction running under the runtime role with `app.current_tenant_id` set (or unset). */
export interface Tx extends Queryable {
  /** The tenant this transaction is scoped to; null for the pre-login context (sees no tenant rows). */
  readonly tenantId: string | null;
}

export interface TenantTxOptions {
  /**
   * Read-only work (GET requests): each statement runs in its own READ ONLY transaction, opened,
   * scoped and committed in the same network round trip as the statement itself. Statements of
   * one call then see separate snapshots, which reads tolerate; writes are refused by PostgreSQL.
   */
  readOnly?: boolean;
}

/**
 * Who requests run as. `embedded`: PGlite's one superuser session enters a NOLOGIN role with SET
 * LOCAL ROLE. `derived` (server, one DATABASE_URL that is the owner): the migrator creates this
 * database's runtime login role and the service logs in as it. `provisioned` (server,
 * MIGRATION_DATABASE_URL set): DATABASE_URL's user, which the operator created.
 */
export type RuntimeLogin = { mode: 'embedded' } | { mode: 'derived' } | { mode: 'provisioned'; role: string };

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly runtimeLogin: RuntimeLogin;
  /**
   * Runs `fn` in one transaction as the runtime role (owns nothing, member of nothing) with the
   * tenant set for this transaction only (`set_config(..., true)`), so row-level security scopes
   * every statement, including ones that forget a tenant filter. `null` runs with no tenant:
   * tenant tables then show no rows, which is what pre-login code (register, login) starts from.
   */
  withTenant<T>(tenantId: string | null, fn: (tx: Tx) => Promise<T>, options?: TenantTxOptions): Promise<T>;
  /**
   * Runs `fn` as the migration owner (MIGRATION_DATABASE_URL, else DATABASE_URL). For the migrator
   * and the operator command line only; request handlers never call it. Statements that must see
   * one another's session state belong in one explicit transaction (PgBouncer may pool it).
   */
  withOwner<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Cheap liveness check for /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The embedded shape's runtime role (PGlite is a cluster of its own). Created by the first migration. */
export const EMBEDDED_RUNTIME_ROLE = 'tradewise_app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The tenant id as the scope stores it; anything but a UUID is refused before any SQL. */
export function scopeTenantId(tenantId: string): string {
  if (!isUuid(tenantId)) throw new TypeError('tenant id must be a UUID');
  return tenantId.toLowerCase();
}

/**
 * The embedded shape's scope for an open transaction: the runtime role and the tenant. The tenant id
 * is inlined rather than bound so that both travel in one simple-protocol exchange; this is safe
 * only because the id is checked against the strict UUID pattern and nothing else is interpolated.
 */
export function embeddedScopeSql(tenantId: string | null): string {
  const tenant = tenantId === null ? '' : scopeTenantId(tenantId);
  return `SET LOCAL ROLE ${EMBEDDED_RUNTIME_ROLE}; SELECT set_config('app.current_tenant_id', '${tenant}', true)`;
}

/**
 * The server shape's scope, pipelined behind BEGIN: tenant, statement timeout and time zone, all
 * transaction-local (set_config(..., true) is SET LOCAL), because behind PgBouncer in transaction
 * pooling the next transaction may run on another server connection and a session setting or a
 * start-up parameter would not follow it. Inlined as above: a UUID and a whole number only.
 */
export function serverScopeSql(tenantId: string | null, statementTimeoutMs: number): string {
  const tenant = tenantId === null ? '' : scopeTenantId(tenantId);
  if (!Number.isSafeInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
    throw new TypeError('statement timeout must be a whole number of milliseconds');
  }
  return `SELECT set_config('app.current_tenant_id', '${tenant}', true), set_config('statement_timeout', '${statementTimeoutMs}', true), set_config('TimeZone', 'UTC', true)`;
}
