// SQL for tenants and users. Row-level security scopes every statement to the transaction's
// tenant; the password hash is read by one function only and is never part of a user row.
import type { Tx } from '../../platform/db/index.ts';
import type { Keyset } from '../../platform/pagination.ts';
import { keysetParams, keysetSql } from '../../platform/pagination.ts';

export interface UserRow {
  id: string;
  tenant_id: string;
  email: string;
  full_name: string;
  roles: string[];
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
  cursor_key: string;
}

const USER_COLUMNS =
  'id, tenant_id, email, full_name, roles, is_active, created_at, updated_at, created_at::text AS cursor_key';

/** SQLSTATE 23505 on users_email_key: the e-mail is already registered (in any tenant). */
export function isDuplicateEmail(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown };
  return (
    e?.code === '23505' &&
    (e.constraint === 'users_email_key' ||
      (typeof e.message === 'string' && e.message.includes('users_email_key')))
  );
}

export async function insertTenant(tx: Tx, tenant: { id: string; name: string }): Promise<void> {
  await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenant.id, tenant.name]);
}

/**
 * Creates the tenant unless it exists: for the fixed platform tenant, which two operators created
 * at once would otherwise both insert (the second failing on the primary key).
 */
export async function ensureTenant(tx: Tx, tenant: { id: string; name: string }): Promise<void> {
  await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
    tenant.id,
    tenant.name,
  ]);
}

export async function tenantExists(tx: Tx, tenantId: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT 1 FROM tenants WHERE id = $1', [tenantId]);
  return rows.length > 0;
}

export async function insertUser(
  tx: Tx,
  user: {
    id: string;
    tenantId: string;
    email: string;
    fullName: string;
    passwordHash: string;
    roles: string[];
  },
): Promise<UserRow> {
  const { rows } = await tx.query<UserRow>(
    `INSERT INTO users (id, tenant_id, email, full_name, password_hash, roles)
     VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${USER_COLUMNS}`,
    [user.id, user.tenantId, user.email, user.fullName, user.passwordHash, user.roles],
  );
  return rows[0] as UserRow;
}

export async function findUser(
  tx: Tx,
  userId: string,
  options: { lock?: boolean } = {},
): Promise<UserRow | undefined> {
  const { rows } = await tx.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
    [userId],
  );
  return rows[0];
}

export async function findPasswordHash(tx: Tx, userId: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ password_hash: string }>(
    'SELECT password_hash FROM users WHERE id = $1',
    [userId],
  );
  return rows[0]?.password_hash;
}

const usersKeyset = keysetSql('users', 2);

/** The tenant's users in creation order, after the cursor position when given. */
export async function listUsers(
  tx: Tx,
  page: { limit: number; after?: Keyset | undefined },
): Promise<UserRow[]> {
  const params: unknown[] = [page.limit];
  let after = '';
  if (page.after !== undefined) {
    params.push(...keysetParams(page.after));
    after = `WHERE ${usersKeyset.after}`;
  }
  const { rows } = await tx.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users ${after} ${usersKeyset.order} LIMIT $1`,
    params,
  );
  return rows;
}

export interface UserChanges {
  fullName?: string | undefined;
  roles?: string[] | undefined;
  isActive?: boolean | undefined;
}

export async function updateUser(tx: Tx, userId: string, changes: UserChanges): Promise<UserRow | undefined> {
  const { rows } = await tx.query<UserRow>(
    `UPDATE users
     SET full_name = coalesce($2, full_name), roles = coalesce($3, roles), is_active = coalesce($4, is_active),
         updated_at = now()
     WHERE id = $1
     RETURNING ${USER_COLUMNS}`,
    [userId, changes.fullName ?? null, changes.roles ?? null, changes.isActive ?? null],
  );
  return rows[0];
}

export async function deleteUser(tx: Tx, userId: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM users WHERE id = $1', [userId]);
  return rowCount > 0;
}

/**
 * Locks the tenant's active admins (SELECT … FOR UPDATE) and returns their ids. Two requests that
 * each would remove one of the last two admins serialise here: the second re-reads the rows after
 * the first commits and sees one admin left (PostgreSQL re-checks locked rows, READ COMMITTED).
 */
export async function lockActiveAdmins(tx: Tx): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM users WHERE is_active AND 'admin' = ANY (roles) ORDER BY id FOR UPDATE`,
  );
  return rows.map((r) => r.id);
}
