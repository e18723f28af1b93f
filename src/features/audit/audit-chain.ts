// The audit trail's hash chain: what exactly a record's hash covers, in which byte form.
//
// hash(n) = SHA-256( canonical([format, tenant_id, seq, prev_hash, occurred_at, actor_user_id,
//                               actor_email, ip, method, route, path, status, request_id, action,
//                               resource_type, resource_id, changes(, server_request_id)]) )
// where prev_hash = hash(n-1) (GENESIS_HASH for the first record, or a retention checkpoint's hash)
// and canonical() is JSON with object keys sorted and no whitespace. The timestamp is the
// application's own ISO 8601 form with milliseconds in UTC, never the database's text output, so
// the hash does not depend on a server's DateStyle or time zone. Every stored column but the
// surrogate id is covered, so changing a field, moving a record to another tenant or position,
// or deleting one breaks the chain at that point.
// Format v2 appends server_request_id (the server's own id for the request, beside the client's
// X-Request-ID). A record without one (written before it existed, or by the command line) keeps
// format v1, so every earlier hash still verifies; blanking a v2 record's server id changes the
// format, hence the hash.
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);
const FORMAT_V1 = 'tradewise.audit.v1';
const FORMAT_V2 = 'tradewise.audit.v2';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The chained content of one audit record, as stored. */
export interface ChainedRecord {
  tenantId: string;
  seq: number;
  occurredAt: Date;
  actorUserId: string | null;
  actorEmail: string | null;
  ip: string | null;
  method: string;
  route: string;
  path: string;
  status: number;
  requestId: string;
  /** The server's own request id; null for records of the command line and of before v2. */
  serverRequestId: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  changes: { [key: string]: JsonValue };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A string as PostgreSQL will store it: text columns and jsonb refuse NUL, and UTF-8 cannot carry
 * a lone surrogate. Normalising before hashing and storing keeps the stored value and the hashed
 * value the same, and keeps a strange input from failing the request's commit.
 */
export function storable(value: string): string {
  return value.replace(/\0/g, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** `value` as it will read back from a jsonb column: a JSON round trip with storable strings. */
export function normaliseJson(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  return clean(JSON.parse(text) as JsonValue);
}

function clean(value: JsonValue): JsonValue {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, inner] of Object.entries(value)) out[storable(key)] = clean(inner);
    return out;
  }
  return value;
}

/** JSON with object keys in sorted order at every depth and no insignificant whitespace. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function canonicalRecord(record: ChainedRecord, prevHash: string): string {
  const v2 = record.serverRequestId !== null;
  return canonicalJson([
    v2 ? FORMAT_V2 : FORMAT_V1,
    record.tenantId.toLowerCase(),
    record.seq,
    prevHash,
    record.occurredAt.toISOString(),
    record.actorUserId?.toLowerCase() ?? null,
    record.actorEmail,
    record.ip,
    record.method,
    record.route,
    record.path,
    record.status,
    record.requestId,
    record.action,
    record.resourceType,
    record.resourceId,
    record.changes,
    ...(v2 ? [record.serverRequestId] : []),
  ]);
}

export function auditHash(record: ChainedRecord, prevHash: string): string {
  return createHash('sha256').update(canonicalRecord(record, prevHash), 'utf8').digest('hex');
}
