// SQL of the owner-side maintenance of the audit trail (retention and verification of every
// tenant). Only the command line runs these, as the migration owner, inside a transaction it opened.
import type { Queryable } from '../../platform/db/index.ts';
import type { ChainHead } from './audit.repository.ts';

/** Tenants that have an audit chain (or stray records without a head), or events older than `cutoff`. */
export async function auditTenants(q: Queryable, eventsBefore?: Date): Promise<string[]> {
  const { rows } = await q.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM audit_chain_heads
     UNION SELECT tenant_id FROM audit_log GROUP BY tenant_id
     UNION SELECT tenant_id FROM security_events
           WHERE $1::timestamptz IS NOT NULL AND tenant_id IS NOT NULL AND occurred_at < $1::timestamptz
           GROUP BY tenant_id
     ORDER BY tenant_id`,
    [eventsBefore?.toISOString() ?? null],
  );
  return rows.map((row) => row.tenant_id);
}

/** Holds the tenant's chain head until the transaction ends: no request appends meanwhile. */
export async function lockChainHead(q: Queryable, tenantId: string): Promise<ChainHead | undefined> {
  const { rows } = await q.query<ChainHead>(
    'SELECT last_seq, last_hash FROM audit_chain_heads WHERE tenant_id = $1 FOR UPDATE',
    [tenantId],
  );
  return rows[0];
}

/** The oldest record still within retention, scanning the chain from its start. */
export async function firstRetainedSeq(
  q: Queryable,
  tenantId: string,
  cutoff: Date,
): Promise<number | undefined> {
  const { rows } = await q.query<{ seq: number }>(
    'SELECT seq FROM audit_log WHERE tenant_id = $1 AND occurred_at >= $2 ORDER BY seq LIMIT 1',
    [tenantId, cutoff.toISOString()],
  );
  return rows[0] === undefined ? undefined : Number(rows[0].seq);
}

export async function recordHash(q: Queryable, tenantId: string, seq: number): Promise<string> {
  const { rows } = await q.query<{ hash: string }>(
    'SELECT hash FROM audit_log WHERE tenant_id = $1 AND seq = $2',
    [tenantId, seq],
  );
  if (rows[0] === undefined) throw new Error(`audit record ${seq} of tenant ${tenantId} not found`);
  return rows[0].hash;
}

export async function insertCheckpoint(
  q: Queryable,
  tenantId: string,
  seq: number,
  hash: string,
): Promise<void> {
  await q.query('INSERT INTO audit_checkpoints (tenant_id, seq, hash) VALUES ($1, $2, $3)', [
    tenantId,
    seq,
    hash,
  ]);
}

export async function deleteAuditPrefix(q: Queryable, tenantId: string, lastSeq: number): Promise<number> {
  const { rowCount } = await q.query('DELETE FROM audit_log WHERE tenant_id = $1 AND seq <= $2', [
    tenantId,
    lastSeq,
  ]);
  return rowCount;
}

/** Deletes a tenant's events older than `cutoff`; tenantId null means the pre-login ones. */
export async function deleteSecurityEvents(
  q: Queryable,
  tenantId: string | null,
  cutoff: Date,
): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM security_events WHERE tenant_id IS NOT DISTINCT FROM $1::uuid AND occurred_at < $2`,
    [tenantId, cutoff.toISOString()],
  );
  return rowCount;
}
