// From a listing's query string to repository filters, and from rows to the response page.
// Pages are newest first and keyed on a strictly decreasing position (the tenant's audit seq, or
// the event's internal order, named by its public id), so a record appended meanwhile never
// shifts, repeats or skips another. Cursors are opaque to clients but only base64url: they carry
// nothing a tenant may not see (a per-tenant seq, a random event id), never a platform-wide
// counter. They are checked strictly, since they reach SQL: a cursor this service did not issue
// is a 422, never a 500.
import { isUuid } from '../../platform/db/index.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import { DATE_TIME_RULE, parseInstant } from '../../platform/instants.ts';
import type { AuditRecordRow } from './audit.repository.ts';
import type { AuditRecordView, SecurityEventView } from './audit.schemas.ts';
import type { SecurityEventRow } from './security-events.repository.ts';

/** `a`: audit records, positioned by seq (v1); `e`: security events, by public id (v2). */
export type CursorKind = 'a' | 'e';
type Position<K extends CursorKind> = K extends 'a' ? number : string;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const FORMAT: { [K in CursorKind]: string } = { a: 'v1.a.', e: 'v2.e.' };

export function encodeCursor<K extends CursorKind>(kind: K, position: Position<K>): string {
  return Buffer.from(`${FORMAT[kind]}${position}`, 'utf8').toString('base64url');
}

export function decodeCursor<K extends CursorKind>(
  kind: K,
  cursor: string | undefined,
): Position<K> | undefined {
  if (cursor === undefined) return undefined;
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const prefix = FORMAT[kind];
  const rest = text.startsWith(prefix) ? text.slice(prefix.length) : '';
  const position =
    kind === 'a'
      ? /^[1-9]\d{0,15}$/.test(rest)
        ? Number(rest)
        : undefined
      : isUuid(rest)
        ? rest
        : undefined;
  if (position === undefined || encodeCursor(kind, position as Position<K>) !== cursor) {
    throw new ValidationFailed([{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }]);
  }
  return position as Position<K>;
}

/** `since` or `until` as an instant; the schema's `date-time` format has already said yes. */
function instantOf(query: { since?: string; until?: string }, name: 'since' | 'until'): Date | undefined {
  const text = query[name];
  if (text === undefined) return undefined;
  const instant = parseInstant(text);
  if (instant === undefined) {
    throw new ValidationFailed([{ loc: ['query', name], msg: DATE_TIME_RULE, type: 'date-time_format' }]);
  }
  return instant;
}

/**
 * The time window of a query; an empty or inverted window is a client error, not an empty page.
 * Read with the same parser as the schema's format (never `new Date(text)`, which takes other
 * spellings and makes Invalid Dates of a leap second).
 */
export function timeWindow(query: { since?: string; until?: string }): { since?: Date; until?: Date } {
  const since = instantOf(query, 'since');
  const until = instantOf(query, 'until');
  if (since !== undefined && until !== undefined && since.getTime() >= until.getTime()) {
    throw new ValidationFailed([
      { loc: ['query', 'until'], msg: 'until must be later than since', type: 'value_error' },
    ]);
  }
  return { ...(since ? { since } : {}), ...(until ? { until } : {}) };
}

/** Rows fetched with `limit + 1`: the extra row only says that another page exists. */
export function toPage<Row, Item, K extends CursorKind>(
  rows: readonly Row[],
  limit: number,
  kind: K,
  key: (row: Row) => Position<K>,
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
    // The per-tenant position: the table's identity column counts every tenant's records.
    id: Number(row.seq),
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
    server_request_id: row.server_request_id,
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
    id: row.public_id,
    occurred_at: iso(row.occurred_at),
    event_type: row.event_type,
    severity: row.severity,
    description: row.description,
    ip: row.ip,
    user_id: row.user_id,
    tenant_id: row.tenant_id,
    request_id: row.request_id,
    server_request_id: row.server_request_id,
    details: row.details,
    count: Number(row.count),
  };
}
