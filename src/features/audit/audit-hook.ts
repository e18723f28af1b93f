// The audit trail's part of every tenant transaction (platform/db/tenant-transaction.ts): the
// record of a mutating request is appended last, before commit, in the same transaction as the
// change it describes.

import type { Change, ChangeNote, CommitHook } from '../../platform/db/tenant-transaction.ts';
import type { Tx } from '../../platform/db/types.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { requestIds } from '../../platform/request-context.ts';
import { appendAuditRecord } from './audit.repository.ts';

// Audit records name fields, never values of secrets (OWASP ASVS 4.0.3 V7.1.1). Handlers pass field
// names only; this catches a detail that carries a secret by mistake.
const SECRET_KEY = /pass(word)?|secret|token|api[_-]?key|authorization|cookie|credential|private/i;

function redactSecrets(value: unknown): Record<string, unknown> {
  const redact = (inner: unknown): unknown => {
    if (Array.isArray(inner)) return inner.map(redact);
    if (inner === null || typeof inner !== 'object') return inner;
    return Object.fromEntries(
      Object.entries(inner).map(([key, v]) => [key, SECRET_KEY.test(key) ? '[REDACTED]' : redact(v)]),
    );
  };
  return redact(value) as Record<string, unknown>;
}

/** One record of the change: the request's own (`note`), or one of the related ones. */
function append(tx: Tx, change: Change, note: ChangeNote | undefined): Promise<unknown> {
  const { request, tenantId, actor, route, path, status } = change;
  return appendAuditRecord(tx, {
    tenantId,
    actorUserId: actor?.userId ?? null,
    actorEmail: actor?.email ?? null,
    ip: request.ip,
    method: request.method,
    route,
    path,
    status,
    ...requestIds(request),
    action: note?.action ?? `${request.method} ${route}`,
    resourceType: note?.resourceType ?? null,
    resourceId: note?.resourceId ?? null,
    changes: { ...redactSecrets(note?.details ?? {}), fields: [...(note?.fields ?? [])] },
  });
}

export function auditHook(metrics: Metrics): CommitHook {
  return {
    // Last in the transaction: appending takes the tenant's chain-head lock until commit. The
    // related changes first, in the order noted, then the request's own record.
    async beforeCommit(tx: Tx, change: Change) {
      for (const related of change.related) await append(tx, change, related);
      await append(tx, change, change.note);
    },
    afterCommit: (change) => metrics.auditRecords.inc(1 + change.related.length),
  };
}
