// From a listing's query string to repository filters, and from rows to the response page.
// Pages are newest first and keyed on a strictly decreasing number (the tenant's audit seq, or the
// event id), so a record appended meanwhile never shifts, repeats or skips another. The cursor is
// opaque to clients and checked strictly, since it reaches SQL: a cursor this service did not
// issue is a 422, never a 500.
import { ValidationFailed } from '../../platform/errors.ts';
import type { AuditRecordRow } from './audit.repository.ts';
import type { AuditRecordView, SecurityEventView } from './audit.schemas.ts';
import type { SecurityEventRow } from './security-events.repository.ts';

export type CursorKind = 'a' | 'e';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function encodeCursor(kind: CursorKind, position: number): string {
  return Buffer.from(`v1.${kind}.${position}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: CursorKind, cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^v1\.([ae])\.([1-9]\d{0,15})$/.exec(text);
  if (match === null || match[1] !== kind || encodeCursor(kind, Number(match[2])) !== cursor) {
    throw new ValidationFailed([{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }]);
  }
  return Number(match[2]);
}

/** The time window of a query; an empty or inverted window is a client error, not an empty page. */
export function timeWindow(query: { since?: string; until?: string }): { since?: Date; until?: Date } {
  const since = query.since === undefined ? undefined : new Date(query.since);
  const until = query.until === undefined ? undefined : new Date(query.until);
  if (since !== undefined && until !== undefined && since.getTime() >= until.getTime()) {
    throw new ValidationFailed([
      { loc: ['query', 'until'], msg: 'until must be later than since', type: 'value_error' },
    ]);
  }
  return { ...(since ? { since } : {}), ...(until ? { until } : {}) };
}

/** Rows fetched with `limit + 1`: the extra row only says that another page exists. */
export function toPage<Row, Item>(
  rows: readonly Row[],
  limit: number,
  kind: CursorKind,
  key: (row: Row) => number,
  toItem: (row: Row) => Item,
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toItem),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(kind, key(last)) : null,
  };
}

const iso = (value: Date | string): string => new Date(value).toISOString();

export function toAuditRecordView(row: AuditRecordRow): AuditRecordView {
  return {
    id: Number(row.id),
    seq: Number(row.seq),
    occurred_at: iso(row.occurred_at),
    actor_user_id: row.actor_user_id,
    actor_email: row.actor_email,
    ip: row.ip,
    method: row.method,
    route: row.route,
    path: row.path,
    status: row.status,
    request_id: row.request_id,
    action: row.action,
    resource_type: row.resource_type,
    resource_id: row.resource_id,
    changes: row.changes,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

export function toSecurityEventView(row: SecurityEventRow): SecurityEventView {
  return {
    id: Number(row.id),
    occurred_at: iso(row.occurred_at),
    event_type: row.event_type,
    severity: row.severity,
    description: row.description,
    ip: row.ip,
    user_id: row.user_id,
    tenant_id: row.tenant_id,
    request_id: row.request_id,
    details: row.details,
    count: Number(row.count),
  };
}
