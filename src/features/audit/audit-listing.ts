// From a listing's query string to repository filters, and from rows to the response page.
// Pages are newest first and keyed on a strictly decreasing position (the tenant's audit seq, or
// the event's internal order, named by its public id), so a record appended meanwhile never
// shifts, repeats or skips another. The cursors carry nothing a tenant may not see (a per-tenant
// seq, a random event id), never a platform-wide counter; platform/pagination.ts writes and
// checks them.
import { ValidationFailed } from '../../platform/errors.ts';
import { DATE_TIME_RULE, parseInstant } from '../../platform/instants.ts';
import { idCursor, sequenceCursor } from '../../platform/pagination.ts';
import { legacyAuditSequence, legacyEventId } from '../../platform/pagination-legacy.ts';
import type { AuditRecordRow } from './audit.repository.ts';
import type { AuditRecordView, SecurityEventView } from './audit.schemas.ts';
import type { SecurityEventRow } from './security-events.repository.ts';

/** GET /admin/audit-log: by the tenant's audit seq. */
export const auditRecordCursor = sequenceCursor('audit-log', legacyAuditSequence);
/** GET /admin/security-events: by the event's public id. */
export const tenantSecurityEventCursor = idCursor('security-events', legacyEventId);

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
