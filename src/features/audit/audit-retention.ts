// Retention (AUDIT_RETENTION_DAYS): removes audit records and security events older than a cutoff,
// as the database owner (the runtime role can delete neither), for `tradewise purge`.
//
// Per tenant, in one transaction that holds the tenant's chain head (so no request appends
// meanwhile): the chain is verified first, because purging a tampered chain would destroy the
// evidence and a tenant whose chain fails is left alone and reported. Then the oldest records, up
// to the first one that is still within retention (always a prefix of the chain, even if clocks
// made a later record look older), are deleted, and the (seq, hash) of the last deleted one is
// recorded in audit_checkpoints, where verification starts from now on. Finally the purge itself
// is appended to the tenant's chain as an `audit.purge` record (cutoff, counts, checkpoint), so
// the tenant's admins see that it ran; the command line also prints a JSON summary line.
// Security events have no chain: old ones are simply deleted (pre-login ones too, unless the
// purge is limited to one tenant).
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../platform/db/index.ts';
import { appendAuditRecord, latestCheckpoint } from './audit.repository.ts';
import { verifyAuditChain } from './audit-verify.ts';
import {
  auditTenants,
  deleteAuditPrefix,
  deleteSecurityEvents,
  firstRetainedSeq,
  insertCheckpoint,
  lockChainHead,
  recordHash,
} from './retention.repository.ts';

export interface PurgeOptions {
  olderThanDays: number;
  /** Defaults to now minus olderThanDays. */
  cutoff?: Date;
  /** Limits the purge to one tenant (pre-login events are then kept). */
  tenantId?: string;
}

export interface TenantPurge {
  tenant_id: string;
  audit_records_deleted: number;
  security_events_deleted: number;
  checkpoint_seq: number | null;
  /** Set when the tenant was left alone because its chain does not verify. */
  skipped?: 'chain_invalid';
  first_bad?: number | null;
}

export interface PurgeReport {
  cutoff: string;
  tenants: TenantPurge[];
  pre_login_security_events_deleted: number;
}

const DAY_MS = 86_400_000;

export async function purgeAuditTrail(db: Database, options: PurgeOptions): Promise<PurgeReport> {
  const cutoff = options.cutoff ?? new Date(Date.now() - options.olderThanDays * DAY_MS);
  return db.withOwner(async (q) => {
    const tenantIds = options.tenantId ? [options.tenantId.toLowerCase()] : await auditTenants(q, cutoff);
    const tenants: TenantPurge[] = [];
    for (const tenantId of tenantIds) {
      const result = await inTransaction(q, () => purgeTenant(q, tenantId, cutoff, options.olderThanDays));
      if (result.skipped || result.audit_records_deleted > 0 || result.security_events_deleted > 0) {
        tenants.push(result);
      }
    }
    const preLogin = options.tenantId ? 0 : await deleteSecurityEvents(q, null, cutoff);
    return { cutoff: cutoff.toISOString(), tenants, pre_login_security_events_deleted: preLogin };
  });
}

async function inTransaction<T>(q: Queryable, work: () => Promise<T>): Promise<T> {
  await q.query('BEGIN');
  try {
    const result = await work();
    await q.query('COMMIT');
    return result;
  } catch (error) {
    await q.query('ROLLBACK');
    throw error;
  }
}

async function purgeTenant(q: Queryable, tenantId: string, cutoff: Date, days: number): Promise<TenantPurge> {
  const result: TenantPurge = {
    tenant_id: tenantId,
    audit_records_deleted: 0,
    security_events_deleted: 0,
    checkpoint_seq: null,
  };
  const head = await lockChainHead(q, tenantId);
  if (head !== undefined) {
    const retained = await firstRetainedSeq(q, tenantId, cutoff);
    const lastPurged = retained === undefined ? Number(head.last_seq) : retained - 1;
    const previous = Number((await latestCheckpoint(q, tenantId))?.seq ?? 0);
    if (lastPurged > previous) {
      // Only a chain that verifies may lose records (the verification cost is paid only then).
      const verified = await verifyAuditChain(q, tenantId);
      if (!verified.ok) return { ...result, skipped: 'chain_invalid', first_bad: verified.first_bad };
      await insertCheckpoint(q, tenantId, lastPurged, await recordHash(q, tenantId, lastPurged));
      result.checkpoint_seq = lastPurged;
    }
    // Records at or before the latest checkpoint are outside the verified chain already.
    if (lastPurged > 0) result.audit_records_deleted = await deleteAuditPrefix(q, tenantId, lastPurged);
  }
  result.security_events_deleted = await deleteSecurityEvents(q, tenantId, cutoff);
  if (result.audit_records_deleted > 0 || result.security_events_deleted > 0) {
    const checkpoint = await latestCheckpoint(q, tenantId);
    await appendAuditRecord(q, {
      tenantId,
      actorUserId: null,
      actorEmail: null,
      ip: null,
      // Not an HTTP request: the command line, with status 0.
      method: 'CLI',
      route: 'tradewise purge',
      path: 'tradewise purge',
      status: 0,
      requestId: randomUUID(),
      action: 'audit.purge',
      resourceType: 'audit_log',
      resourceId: null,
      changes: {
        fields: [],
        cutoff: cutoff.toISOString(),
        older_than_days: days,
        audit_records_deleted: result.audit_records_deleted,
        security_events_deleted: result.security_events_deleted,
        checkpoint_seq: checkpoint ? Number(checkpoint.seq) : null,
        checkpoint_hash: checkpoint?.hash ?? null,
      },
    });
  }
  return result;
}
