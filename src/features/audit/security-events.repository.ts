// SQL for stored security events: batched inserts, the tenant admin's listing (row-level security
// shows only the tenant's own events) and the operator's listing through ops_security_events(),
// the narrow SECURITY DEFINER read path of migration 0004.
import type { Queryable, Tx } from '../../platform/db/index.ts';
import type { JsonValue } from './audit-chain.ts';

export interface SecurityEventRowInput {
  tenant_id: string | null;
  occurred_at: string;
  event_type: string;
  severity: string;
  ip: string | null;
  user_id: string | null;
  request_id: string | null;
  /** The server's own id of the request (absent outside a request). */
  server_request_id?: string | null;
  description: string | null;
  details: JsonValue;
  /** How many occurrences the row stands for: 1, or the repeats folded into it (flood rule). */
  count: number;
}

export interface SecurityEventRow {
  /** Internal order only: platform-wide, so never shown to a tenant (public_id is). */
  id: number;
  public_id: string;
  tenant_id: string | null;
  occurred_at: Date;
  event_type: string;
  severity: string;
  ip: string | null;
  user_id: string | null;
  request_id: string | null;
  server_request_id: string | null;
  description: string | null;
  details: { [key: string]: JsonValue };
  count: number;
}

/**
 * Inserts a batch in one statement. An event naming a tenant that does not exist (a deleted
 * tenant's still-valid token) is kept without a tenant, the claimed id in its details, rather than
 * failing the whole batch on the foreign key.
 */
export async function insertSecurityEvents(tx: Tx, rows: readonly SecurityEventRowInput[]): Promise<void> {
  await tx.query(
    `INSERT INTO security_events (tenant_id, occurred_at, event_type, severity, ip, user_id, request_id,
                                  server_request_id, description, details, count)
     SELECT CASE WHEN known THEN r.tenant_id END, r.occurred_at, r.event_type, r.severity, r.ip, r.user_id,
            r.request_id, r.server_request_id, r.description,
            CASE WHEN known THEN r.details ELSE r.details || jsonb_build_object('claimed_tenant_id', r.tenant_id) END,
            r.count
     FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id uuid, occurred_at timestamptz, event_type text,
            severity text, ip text, user_id uuid, request_id text, server_request_id text, description text,
            details jsonb, count integer),
          LATERAL (SELECT r.tenant_id IS NULL OR EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id) AS known) k`,
    [JSON.stringify(rows)],
  );
}

export interface SecurityEventFilter {
  /** The public id of the last event of the previous page. */
  before?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  userId?: string | undefined;
  eventType?: string | undefined;
  severity?: string | undefined;
  requestId?: string | undefined;
  limit: number;
}

const COLUMNS = `id, public_id, tenant_id, occurred_at, event_type, severity, ip, user_id, request_id,
  server_request_id, description, details, count`;

/** One tenant's events, newest first (row-level security would hide the others anyway). */
export async function listTenantSecurityEvents(
  q: Queryable,
  tenantId: string,
  filter: SecurityEventFilter,
): Promise<SecurityEventRow[]> {
  const params: unknown[] = [tenantId];
  const where = ['tenant_id = $1'];
  const add = (condition: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    where.push(condition.replace('?', `$${params.length}`));
  };
  // A cursor naming no event of this tenant (row-level security) gives an empty page.
  add('id < (SELECT b.id FROM security_events b WHERE b.public_id = ?)', filter.before);
  add('occurred_at >= ?', filter.since?.toISOString());
  add('occurred_at < ?', filter.until?.toISOString());
  add('user_id = ?', filter.userId);
  add('event_type = ?', filter.eventType);
  add('severity = ?', filter.severity);
  add('request_id = ?', filter.requestId);
  params.push(filter.limit);
  const { rows } = await q.query<SecurityEventRow>(
    `SELECT ${COLUMNS} FROM security_events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows;
}

/** Every tenant's events and pre-login ones. Only for callers that checked the operator role. */
export async function listAllSecurityEvents(
  tx: Tx,
  filter: SecurityEventFilter & { tenantId?: string | undefined },
): Promise<SecurityEventRow[]> {
  const { rows } = await tx.query<SecurityEventRow>(
    `SELECT ${COLUMNS} FROM ops_security_events($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      filter.limit,
      filter.before ?? null,
      filter.since?.toISOString() ?? null,
      filter.until?.toISOString() ?? null,
      filter.tenantId ?? null,
      filter.userId ?? null,
      filter.eventType ?? null,
      filter.severity ?? null,
      filter.requestId ?? null,
    ],
  );
  return rows;
}
