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

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction as the runtime role (no table ownership, no BYPASSRLS) with the
   * tenant set for this transaction only (`set_config(..., true)`), so row-level security scopes
   * every statement, including ones that forget a tenant filter. `null` runs with no tenant:
   * tenant tables then show no rows, which is what pre-login code (register, login) starts from.
   */
  withTenant<T>(tenantId: string | null, fn: (tx: Tx) => Promise<T>, options?: TenantTxOptions): Promise<T>;
  /**
   * Runs `fn` as the migration owner, outside row-level security. For the migrator and the
   * operator command line only; request handlers never call it.
   */
  withOwner<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Cheap liveness check for /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The role every request runs as. Created by the first migration. */
export const RUNTIME_ROLE = 'tradewise_app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The statements that scope an open transaction to the runtime role and a tenant. The tenant id
 * is inlined rather than bound so that BEGIN, the role switch and the tenant setting can travel in
 * one simple-protocol round trip; this is safe only because the id is checked against the strict
 * UUID pattern right here and nothing else is ever interpolated.
 */
/** The tenant id as the scope stores it; anything but a UUID is refused before any SQL. */
export function scopeTenantId(tenantId: string): string {
  if (!isUuid(tenantId)) throw new TypeError('tenant id must be a UUID');
  return tenantId.toLowerCase();
}

export function scopeTenantSql(tenantId: string | null): string {
  const tenant = tenantId === null ? '' : scopeTenantId(tenantId);
  return `SET LOCAL ROLE ${RUNTIME_ROLE}; SELECT set_config('app.current_tenant_id', '${tenant}', true)`;
}
