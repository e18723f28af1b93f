// SQL for re-encrypting stored bot tokens. The rotation reads every tenant's bots, so it runs as the
// database owner (operator command line only), never in a request's tenant transaction.
import type { Queryable } from '../../platform/db/index.ts';

/**
 * Whether this connection sees every tenant's rows. The tables FORCE row-level security, so a role
 * that is neither superuser, nor BYPASSRLS, nor the owner of bots (which migration 0006 gives an
 * owner_maintenance policy) sees no row at all: the rotation would then "finish" having
 * re-encrypted nothing.
 */
export async function seesAllTenants(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>(
    `SELECT (r.rolsuper OR r.rolbypassrls OR EXISTS (
       SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = 'bots'
         AND p.policyname = 'owner_maintenance' AND r.rolname = ANY (p.roles))) AS ok
     FROM pg_roles r WHERE r.rolname = current_user`,
  );
  return rows[0]?.ok === true;
}

export interface StoredTokenRow {
  id: string;
  tenant_id: string;
  api_token_encrypted: string;
}

/** The next `limit` bots with a stored token after `afterId`, in id order (the resume position). */
export async function selectTokenBatch(
  q: Queryable,
  page: { afterId: string | null; limit: number; tenantId: string | null },
): Promise<StoredTokenRow[]> {
  const { rows } = await q.query<StoredTokenRow>(
    `SELECT id, tenant_id, api_token_encrypted FROM bots
     WHERE api_token_encrypted IS NOT NULL
       AND ($1::uuid IS NULL OR id > $1::uuid)
       AND ($2::uuid IS NULL OR tenant_id = $2::uuid)
     ORDER BY id LIMIT $3`,
    [page.afterId, page.tenantId, page.limit],
  );
  return rows;
}

export interface TokenReplacement {
  id: string;
  oldValue: string;
  newValue: string;
}

/**
 * Replaces a batch in one statement, hence atomically. A row whose value changed since it was read
 * (a user set a new token meanwhile) is left alone: the newer value wins. Returns the rows replaced.
 */
export async function replaceTokens(q: Queryable, batch: readonly TokenReplacement[]): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE bots AS b SET api_token_encrypted = u.new_value
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, old_value, new_value)
     WHERE b.id = u.id AND b.api_token_encrypted = u.old_value`,
    [batch.map((r) => r.id), batch.map((r) => r.oldValue), batch.map((r) => r.newValue)],
  );
  return rowCount;
}
