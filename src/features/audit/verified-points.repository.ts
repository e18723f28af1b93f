// SQL of the signed verified points (migration 0011): one row per tenant, replaced after each
// verification that found the chain intact up to a newer head. Works under row-level security (the
// request's tenant transaction) and as the owner (the command line) alike.
import type { Queryable } from '../../platform/db/index.ts';
import type { SignedVerifiedPoint } from './verified-point.ts';

interface VerifiedPointRow {
  tenant_id: string;
  seq: number;
  hash: string;
  verified_at: Date;
  key_id: string;
  mac: string;
}

export async function readVerifiedPoint(
  q: Queryable,
  tenantId: string,
): Promise<SignedVerifiedPoint | undefined> {
  const { rows } = await q.query<VerifiedPointRow>(
    'SELECT tenant_id, seq, hash, verified_at, key_id, mac FROM audit_verified_points WHERE tenant_id = $1',
    [tenantId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    tenantId: row.tenant_id,
    seq: Number(row.seq),
    hash: row.hash,
    verifiedAt: new Date(row.verified_at),
    keyId: row.key_id,
    mac: row.mac,
  };
}

/**
 * Replaces the tenant's point. Two verifications finishing together may leave the older of their
 * two points: harmless, the next call just starts a little earlier.
 */
export async function saveVerifiedPoint(q: Queryable, point: SignedVerifiedPoint): Promise<void> {
  await q.query(
    `INSERT INTO audit_verified_points (tenant_id, seq, hash, verified_at, key_id, mac)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id) DO UPDATE
       SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, verified_at = EXCLUDED.verified_at,
           key_id = EXCLUDED.key_id, mac = EXCLUDED.mac`,
    [point.tenantId, point.seq, point.hash, point.verifiedAt.toISOString(), point.keyId, point.mac],
  );
}
