// SQL for the caller's own tenant. Row-level security (0001's tenant_isolation on tenants) lets a
// transaction see and change only the row of its own tenant, whatever id a statement names.
import type { Tx } from '../../platform/db/index.ts';
import { timestampTextSql } from '../../platform/db/index.ts';

export interface TenantRow {
  id: string;
  name: string;
  /** PostgreSQL's text of the timestamp (timestampTextSql). */
  created_at: string;
}

const COLUMNS = `id, name, ${timestampTextSql('created_at')}`;

export async function findTenant(tx: Tx, tenantId: string): Promise<TenantRow | undefined> {
  const { rows } = await tx.query<TenantRow>(`SELECT ${COLUMNS} FROM tenants WHERE id = $1`, [tenantId]);
  return rows[0];
}

/** Changes the fields given (the others keep their value); undefined when the tenant has no row. */
export async function updateTenant(
  tx: Tx,
  tenantId: string,
  changes: { name?: string | undefined },
): Promise<TenantRow | undefined> {
  const { rows } = await tx.query<TenantRow>(
    `UPDATE tenants SET name = coalesce($2, name) WHERE id = $1 RETURNING ${COLUMNS}`,
    [tenantId, changes.name ?? null],
  );
  return rows[0];
}
