// Request and response schemas of the audit and security-event listings. Query strings refuse
// unknown parameters: a misspelt filter must be a 422, not a silently unfiltered page. The
// response schemas are the allow-list of the stable field names clients rely on.
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { NextCursor, pageQueryFields } from '../../platform/pagination.ts';
import { SECURITY_EVENT_TYPES } from './security-events.ts';

/** RFC 4122 text form only (ajv's `uuid` format also takes `urn:uuid:`, which PostgreSQL does not). */
const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
});
// ISO 8601 / RFC 3339 with a time zone, e.g. 2026-01-31T12:00:00Z.
const Instant = Type.String({ format: 'date-time', maxLength: 40 });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const pageAndTime = {
  ...pageQueryFields,
  /** Inclusive lower bound of occurred_at. */
  since: Type.Optional(Instant),
  /** Exclusive upper bound of occurred_at. */
  until: Type.Optional(Instant),
  request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
};

export const AuditLogQuery = Type.Object(
  {
    ...pageAndTime,
    actor_user_id: Type.Optional(Uuid),
    actor_email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    resource_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type AuditLogQueryValue = Static<typeof AuditLogQuery>;

const eventFilters = {
  ...pageAndTime,
  user_id: Type.Optional(Uuid),
  event_type: Type.Optional(Type.Enum(SECURITY_EVENT_TYPES)),
  severity: Type.Optional(Type.Enum(['high', 'medium', 'low'])),
};

export const SecurityEventQuery = Type.Object(eventFilters, { additionalProperties: false });
export type SecurityEventQueryValue = Static<typeof SecurityEventQuery>;

export const OpsSecurityEventQuery = Type.Object(
  { ...eventFilters, tenant_id: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export type OpsSecurityEventQueryValue = Static<typeof OpsSecurityEventQuery>;

export const OpsAuditVerifyQuery = Type.Object({ tenant_id: Uuid }, { additionalProperties: false });

const JsonObject = Type.Object({}, { additionalProperties: true });

export const AuditRecord = Type.Object({
  /** The record's position in its tenant's chain (equal to seq): nothing of other tenants. */
  id: Type.Integer(),
  seq: Type.Integer(),
  occurred_at: Type.String({ format: 'date-time' }),
  actor_user_id: Nullable(Type.String()),
  actor_email: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  method: Type.String(),
  route: Type.String(),
  path: Type.String(),
  status: Type.Integer(),
  /** The client's X-Request-ID (when well-formed), else the server's id. */
  request_id: Type.String(),
  /** The server's own id of the request; null for the command line's and older records. */
  server_request_id: Nullable(Type.String()),
  action: Type.String(),
  resource_type: Nullable(Type.String()),
  resource_id: Nullable(Type.String()),
  /** Names of the fields the change set (`fields`) and non-secret details; never secret values. */
  changes: JsonObject,
  prev_hash: Type.String(),
  hash: Type.String(),
});
export type AuditRecordView = Static<typeof AuditRecord>;

export const SecurityEvent = Type.Object({
  /** A random id (UUID): the storage order counts every tenant's events and is never shown. */
  id: Type.String(),
  occurred_at: Type.String({ format: 'date-time' }),
  event_type: Type.String(),
  severity: Type.String(),
  description: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_id: Nullable(Type.String()),
  tenant_id: Nullable(Type.String()),
  request_id: Nullable(Type.String()),
  server_request_id: Nullable(Type.String()),
  details: JsonObject,
  /** Occurrences this item stands for: repeats of the same event from the same source within a minute are stored once. */
  count: Type.Integer({ minimum: 1 }),
});
export type SecurityEventView = Static<typeof SecurityEvent>;

export const AuditRecordPage = Type.Object({ items: Type.Array(AuditRecord), next_cursor: NextCursor });
export const SecurityEventPage = Type.Object({ items: Type.Array(SecurityEvent), next_cursor: NextCursor });

export const VerifyResponse = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  first_bad: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.Optional(Type.String()),
  checkpoint_seq: Type.Union([Type.Integer(), Type.Null()]),
  head: Type.Union([Type.Object({ seq: Type.Integer(), hash: Type.String() }), Type.Null()]),
  /** `incremental`: from the last signed verified point; `full`: from the chain's start. */
  mode: Type.Enum(['full', 'incremental']),
  /** The verified point the walk started from (incremental), else null. */
  verified_from: Type.Union([Type.Integer(), Type.Null()]),
  /** Set when a stored verified point failed its signature check and was ignored. */
  point_rejected: Type.Optional(Type.Literal('bad_signature')),
});
