// Cross-tenant maintenance (the command line's verify-audit and purge) must see every tenant's rows.
// Row-level security is forced on every tenant table, so a role that is neither superuser, nor
// BYPASSRLS, nor the schema owner (which the migrations give maintenance policies) sees none of them
// and would report an empty platform as a healthy one. Such a role is refused up front instead.
import type { Queryable } from './types.ts';

export async function assertSeesEveryTenant(q: Queryable, command: string): Promise<void> {
  const { rows } = await q.query<{ me: string; ok: boolean }>(
    `SELECT r.rolname AS me, r.rolsuper OR r.rolbypassrls OR EXISTS (
       SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public' AND t.tablename = 'audit_log'
         AND t.tableowner = r.rolname) AS ok
     FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const row = rows[0];
  if (row?.ok === true) return;
  throw new Error(
    `${command} must run as the schema owner (MIGRATION_DATABASE_URL, or DATABASE_URL when it is the owner): role "${
      row?.me ?? 'unknown'
    }" does not own the tables and has neither SUPERUSER nor BYPASSRLS, so row-level security hides every tenant from it`,
  );
}
