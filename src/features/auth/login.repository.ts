// The login lookup: the one read of a user before the tenant is known, through the narrow
// SECURITY DEFINER function of migration 0002 (no tenant is set in this transaction).
import type { Tx } from '../../platform/db/index.ts';

export interface LoginAccountRow {
  user_id: string;
  tenant_id: string;
  email: string;
  password_hash: string;
  roles: string[];
  is_active: boolean;
}

export async function findLoginAccount(tx: Tx, email: string): Promise<LoginAccountRow | undefined> {
  const { rows } = await tx.query<LoginAccountRow>(
    'SELECT user_id, tenant_id, email, password_hash, roles, is_active FROM auth_login_lookup($1)',
    [email],
  );
  return rows[0];
}

/** A new hash for the account's password: a change, or a login's rehash at a higher cost. */
export async function updatePasswordHash(tx: Tx, userId: string, passwordHash: string): Promise<void> {
  await tx.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [
    userId,
    passwordHash,
  ]);
}
