// SQL for the audit trail. Records are only ever inserted: the runtime role has no UPDATE or
// DELETE on audit_log.
import type { Tx } from '../../platform/db/index.ts';

export interface AuditRecordInput {
  tenantId: string;
  actorUserId: string | null;
  actorEmail: string | null;
  ip: string;
  method: string;
  route: string;
  path: string;
  status: number;
  requestId: string;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  changes: Record<string, unknown>;
}

export async function insertAuditRecord(tx: Tx, record: AuditRecordInput): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (tenant_id, actor_user_id, actor_email, ip, method, route, path, status, request_id,
                            action, resource_type, resource_id, changes)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      record.tenantId,
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
    ],
  );
}
