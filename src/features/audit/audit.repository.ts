// SQL for the audit trail. Records are only ever appended: the runtime role has INSERT and SELECT
// on audit_log, never UPDATE or DELETE, and advances its tenant's chain head in the same
// transaction. Functions take a transaction (or, for the command line, the owner's connection
// inside a transaction it opened) and always name the tenant, so they work under row-level
// security and as the owner alike.
import type { Queryable } from '../../platform/db/index.ts';
import type { ChainedRecord, JsonValue } from './audit-chain.ts';
import { auditHash, GENESIS_HASH, normaliseJson, storable } from './audit-chain.ts';

/** What a writer supplies: the chained record less what appending decides (seq) or may default. */
export type AuditRecordInput = Omit<ChainedRecord, 'seq' | 'occurredAt' | 'changes' | 'serverRequestId'> & {
  changes: Record<string, unknown>;
  /** The server's own id of the request; absent for the command line's records. */
  serverRequestId?: string | null;
  /** Defaults to now; set by the application (not the database) because the hash covers it. */
  occurredAt?: Date;
};

export interface AuditRecordRow {
  id: number;
  tenant_id: string;
  seq: number;
  prev_hash: string;
  hash: string;
  occurred_at: Date;
  actor_user_id: string | null;
  actor_email: string | null;
  ip: string | null;
  method: string;
  route: string;
  path: string;
  status: number;
  request_id: string;
  server_request_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  changes: { [key: string]: JsonValue };
}

const COLUMNS = `id, tenant_id, seq, prev_hash, hash, occurred_at, actor_user_id, actor_email, ip, method, route,
  path, status, request_id, server_request_id, action, resource_type, resource_id, changes`;

const text = (value: string | null): string | null => (value === null ? null : storable(value));

/**
 * Appends one record to its tenant's chain. The upsert of the head row takes that row's lock until
 * the transaction ends, so concurrent writers of one tenant queue here and each one reads the
 * head its predecessor committed: one linear chain, no fork, no gap (a rolled-back writer rolls
 * its head update back too). Writers of other tenants are not blocked. Call it last in the
 * transaction so that the lock is held for as short a time as possible.
 */
export async function appendAuditRecord(
  q: Queryable,
  input: AuditRecordInput,
): Promise<{ seq: number; hash: string }> {
  const tenantId = input.tenantId.toLowerCase();
  const head = await q.query<{ seq: number; prev_hash: string }>(
    `INSERT INTO audit_chain_heads AS h (tenant_id, last_seq, last_hash) VALUES ($1, 1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET last_seq = h.last_seq + 1
     RETURNING last_seq AS seq, last_hash AS prev_hash`,
    [tenantId, GENESIS_HASH],
  );
  const { seq, prev_hash: prevHash } = head.rows[0] as { seq: number; prev_hash: string };
  const changes = normaliseJson(input.changes);
  const record: ChainedRecord = {
    tenantId,
    seq: Number(seq),
    occurredAt: new Date(input.occurredAt ?? Date.now()),
    actorUserId: input.actorUserId?.toLowerCase() ?? null,
    actorEmail: text(input.actorEmail?.toLowerCase() ?? null),
    ip: text(input.ip),
    method: storable(input.method),
    route: storable(input.route),
    path: storable(input.path),
    status: input.status,
    requestId: storable(input.requestId),
    serverRequestId: text(input.serverRequestId ?? null),
    action: storable(input.action),
    resourceType: text(input.resourceType),
    resourceId: text(input.resourceId),
    changes: changes !== null && typeof changes === 'object' && !Array.isArray(changes) ? changes : {},
  };
  const hash = auditHash(record, prevHash);
  await q.query(
    `WITH appended AS (
       INSERT INTO audit_log (tenant_id, seq, prev_hash, hash, occurred_at, actor_user_id, actor_email, ip, method,
                              route, path, status, request_id, action, resource_type, resource_id, changes,
                              server_request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
     )
     UPDATE audit_chain_heads SET last_hash = $4 WHERE tenant_id = $1`,
    [
      record.tenantId,
      record.seq,
      prevHash,
      hash,
      record.occurredAt.toISOString(),
      record.actorUserId,
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
      JSON.stringify(record.changes),
      record.serverRequestId,
    ],
  );
  return { seq: record.seq, hash };
}

export function toChainedRecord(row: AuditRecordRow): ChainedRecord {
  return {
    tenantId: row.tenant_id,
    seq: Number(row.seq),
    occurredAt: row.occurred_at,
    actorUserId: row.actor_user_id,
    actorEmail: row.actor_email,
    ip: row.ip,
    method: row.method,
    route: row.route,
    path: row.path,
    status: row.status,
    requestId: row.request_id,
    serverRequestId: row.server_request_id ?? null,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    changes: row.changes,
  };
}

export interface ChainHead {
  last_seq: number;
  last_hash: string;
  /** The first record stored beyond the head: appended around the chain, never by appendAuditRecord. */
  first_beyond?: number | null;
}

/**
 * The tenant's chain head, and whether any record lies beyond it, read in one statement (one
 * snapshot): a writer commits its record and the head together, so in a consistent snapshot no
 * record can be beyond the head unless it was inserted around the chain.
 */
export async function chainHead(q: Queryable, tenantId: string): Promise<ChainHead | undefined> {
  const { rows } = await q.query<ChainHead>(
    `SELECT h.last_seq, h.last_hash,
            (SELECT min(a.seq) FROM audit_log a WHERE a.tenant_id = h.tenant_id AND a.seq > h.last_seq) AS first_beyond
     FROM audit_chain_heads h WHERE h.tenant_id = $1`,
    [tenantId],
  );
  return rows[0];
}

export interface Checkpoint {
  seq: number;
  hash: string;
}

export async function latestCheckpoint(q: Queryable, tenantId: string): Promise<Checkpoint | undefined> {
  const { rows } = await q.query<Checkpoint>(
    'SELECT seq, hash FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1',
    [tenantId],
  );
  return rows[0];
}

/** Records of one tenant in chain order, after `afterSeq` and up to `untilSeq`, one page at a time. */
export async function chainPage(
  q: Queryable,
  tenantId: string,
  range: { afterSeq: number; untilSeq: number; limit: number },
): Promise<AuditRecordRow[]> {
  const { rows } = await q.query<AuditRecordRow>(
    `SELECT ${COLUMNS} FROM audit_log
     WHERE tenant_id = $1 AND seq > $2 AND seq <= $3
     ORDER BY seq LIMIT $4`,
    [tenantId, range.afterSeq, range.untilSeq, range.limit],
  );
  return rows;
}

export interface AuditLogFilter {
  tenantId: string;
  beforeSeq?: number | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  actorUserId?: string | undefined;
  actorEmail?: string | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  requestId?: string | undefined;
  limit: number;
}

/** A page of one tenant's records, newest first. */
export async function listAuditRecords(q: Queryable, filter: AuditLogFilter): Promise<AuditRecordRow[]> {
  const params: unknown[] = [filter.tenantId];
  const where = ['tenant_id = $1'];
  const add = (condition: string, value: unknown) => {
    if (value === undefined) return;
    params.push(value);
    where.push(condition.replace('?', `$${params.length}`));
  };
  add('seq < ?', filter.beforeSeq);
  add('occurred_at >= ?', filter.since?.toISOString());
  add('occurred_at < ?', filter.until?.toISOString());
  add('actor_user_id = ?', filter.actorUserId);
  add('actor_email = ?', filter.actorEmail?.toLowerCase());
  add('action = ?', filter.action);
  add('resource_type = ?', filter.resourceType);
  add('request_id = ?', filter.requestId);
  params.push(filter.limit);
  const { rows } = await q.query<AuditRecordRow>(
    `SELECT ${COLUMNS} FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
    params,
  );
  return rows;
}
