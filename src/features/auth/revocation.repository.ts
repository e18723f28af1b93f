// SQL for the durable copy of revocations (token_revocations) and its start-up read.
import type { Queryable, Tx } from '../../platform/db/index.ts';

export async function persistJtiRevocations(
  tx: Tx,
  tenantId: string,
  tokens: readonly { jti: string; expiresAt: Date }[],
  reason: string,
): Promise<void> {
  if (tokens.length === 0) return;
  await tx.query(
    `INSERT INTO token_revocations (kind, subject, tenant_id, expires_at, reason)
     SELECT 'jti', t.jti, $1, t.expires_at, $4
     FROM unnest($2::text[], $3::timestamptz[]) AS t (jti, expires_at)
     ON CONFLICT (kind, subject) DO NOTHING`,
    [tenantId, tokens.map((t) => t.jti), tokens.map((t) => t.expiresAt), reason],
  );
}

/** Upserts the user's "revoked before" mark; a later mark never moves back. */
export async function persistUserMark(
  tx: Tx,
  mark: { tenantId: string; userId: string; revokedBefore: Date; expiresAt: Date; reason: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO token_revocations (kind, subject, tenant_id, revoked_before, expires_at, reason)
     VALUES ('user', $1, $2, $3, $4, $5)
     ON CONFLICT (kind, subject) DO UPDATE
     SET revoked_before = GREATEST(token_revocations.revoked_before, EXCLUDED.revoked_before),
         expires_at = GREATEST(token_revocations.expires_at, EXCLUDED.expires_at),
         reason = EXCLUDED.reason`,
    [mark.userId, mark.tenantId, mark.revokedBefore, mark.expiresAt, mark.reason],
  );
}

export interface LiveRevocation {
  kind: 'jti' | 'user' | 'inactive';
  subject: string;
  revoked_before_ms: number | null;
  expires_at_ms: number | null;
}

/** Every revocation still in force and every deactivated user, across tenants (see 0002). */
export async function liveRevocations(q: Queryable): Promise<LiveRevocation[]> {
  const { rows } = await q.query<LiveRevocation>(
    'SELECT kind, subject, revoked_before_ms, expires_at_ms FROM auth_live_revocations()',
  );
  return rows;
}
