// The role requests log in as, in the server shape: a LOGIN role of this database alone that owns
// nothing, is a member of nothing (so it can SET ROLE to no one, the owner included), and holds only
// the grants listed in runtime_privileges (migration 0006). Two ways to get one:
// - provisioned: the operator creates it and names it as DATABASE_URL's user, with the schema owner
//   in MIGRATION_DATABASE_URL (managed PostgreSQL);
// - derived: one DATABASE_URL that is the owner (dev, CI, the bench); the migrator creates
//   `<database>_runtime` with a random password that only the owner can read (runtime_login), and
//   the service opens its request pool as that role on the same host, port and database.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable, RuntimeLogin } from './types.ts';
import { EMBEDDED_RUNTIME_ROLE } from './types.ts';

const SUFFIX = '_runtime';
const MAX_IDENTIFIER_BYTES = 63;

/** `<database>_runtime`, or for a name too long for that, a truncated one made unique by a hash. */
export function runtimeRoleName(database: string): string {
  const plain = `${database}${SUFFIX}`;
  if (Buffer.byteLength(plain) <= MAX_IDENTIFIER_BYTES) return plain;
  const hash = createHash('sha256').update(database).digest('hex').slice(0, 8);
  const room = MAX_IDENTIFIER_BYTES - SUFFIX.length - hash.length - 1;
  let prefix = '';
  for (const char of database) {
    if (Buffer.byteLength(prefix + char) > room) break;
    prefix += char;
  }
  return `${prefix}_${hash}${SUFFIX}`;
}

/** A double-quoted identifier (role names cannot be bound as parameters in DDL). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The shared comment that marks a role as ours, so a leftover of a dropped database is reused, never a stranger's. */
function marker(database: string): string {
  return `tradewise runtime role of database ${database}`;
}

interface RoleFacts {
  rolsuper: boolean;
  rolbypassrls: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolreplication: boolean;
  rolcanlogin: boolean;
  member_of: string[] | null;
  owns: boolean;
  is_current: boolean;
}

const FACTS_SQL = `
  SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolcanlogin,
    (SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
    EXISTS (SELECT 1 FROM pg_class WHERE relowner = r.oid)
      OR EXISTS (SELECT 1 FROM pg_proc WHERE proowner = r.oid)
      OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspowner = r.oid)
      OR EXISTS (SELECT 1 FROM pg_database WHERE datdba = r.oid) AS owns,
    r.rolname = current_user AS is_current
  FROM pg_roles r WHERE r.rolname = $1`;

/**
 * Why `role` is not fit to serve requests, or undefined when it is. `asOwner`: the check runs on the
 * owner's connection (the migrator), so the role must not be the connected one either.
 */
export async function runtimeRoleProblem(
  q: Queryable,
  role: string,
  asOwner: boolean,
): Promise<string | undefined> {
  const { rows } = await q.query<RoleFacts>(FACTS_SQL, [role]);
  const facts = rows[0];
  if (facts === undefined) return `role "${role}" does not exist`;
  const wrong = [
    facts.rolsuper && 'is a superuser',
    facts.rolbypassrls && 'has BYPASSRLS',
    facts.rolcreaterole && 'has CREATEROLE',
    facts.rolcreatedb && 'has CREATEDB',
    facts.rolreplication && 'has REPLICATION',
    !facts.rolcanlogin && 'cannot log in',
    facts.member_of !== null && `is a member of ${facts.member_of.join(', ')}`,
    facts.owns && 'owns objects (tables, functions, schemas or a database)',
    asOwner && facts.is_current && 'is the migration owner itself',
  ].filter((reason): reason is string => typeof reason === 'string');
  return wrong.length === 0 ? undefined : `role "${role}" ${wrong.join(', ')}`;
}

export interface RuntimeLoginSecret {
  role: string;
  password: string;
}

/**
 * Derived mode, on the owner's connection inside the migrator's locked transaction: makes sure
 * `<database>_runtime` exists as a bare LOGIN role with a password recorded in runtime_login.
 */
export async function ensureDerivedRole(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ db: string }>('SELECT current_database() AS db');
  const database = (rows[0] as { db: string }).db;
  const role = runtimeRoleName(database);
  const known = await q.query<{ password: string }>('SELECT password FROM runtime_login WHERE role = $1', [
    role,
  ]);
  const existing = await q.query<{ comment: string | null }>(
    "SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1",
    [role],
  );
  // Base64url: nothing in it needs quoting, so it can be inlined in the DDL below.
  const password = randomBytes(24).toString('base64url');
  const options = 'LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
  if (existing.rows[0] === undefined) {
    await q.query(`CREATE ROLE ${quoteIdent(role)} ${options} PASSWORD '${password}'`);
    await q.query(`COMMENT ON ROLE ${quoteIdent(role)} IS '${marker(database).replaceAll("'", "''")}'`);
  } else if (known.rows[0] !== undefined) {
    return role;
  } else if (existing.rows[0].comment === marker(database)) {
    // Ours, left by an earlier database of the same name (dropped and created again).
    await q.query(`ALTER ROLE ${quoteIdent(role)} ${options} PASSWORD '${password}'`);
  } else {
    throw new Error(
      `role "${role}" already exists and was not created for this database; drop it, or create a login role yourself and use MIGRATION_DATABASE_URL (see ops/deploy/postgres.md)`,
    );
  }
  await q.query(
    `INSERT INTO runtime_login (role, password) VALUES ($1, $2)
     ON CONFLICT (role) DO UPDATE SET password = EXCLUDED.password`,
    [role, password],
  );
  return role;
}

/** Derived mode, at service start: the runtime login the migrator recorded. */
export async function readDerivedLogin(q: Queryable): Promise<RuntimeLoginSecret> {
  const { rows } = await q.query<{ db: string }>('SELECT current_database() AS db');
  const role = runtimeRoleName((rows[0] as { db: string }).db);
  let found: RuntimeLoginSecret | undefined;
  try {
    const result = await q.query<RuntimeLoginSecret>(
      'SELECT role, password FROM runtime_login WHERE role = $1',
      [role],
    );
    found = result.rows[0];
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42P01')
      throw new Error('the runtime login role is not set up: run `npx tradewise migrate`');
    if (code === '42501') {
      throw new Error(
        "DATABASE_URL's user can neither serve requests as it is nor read the runtime login (it is not the schema owner)",
      );
    }
    throw error;
  }
  if (found === undefined)
    throw new Error(`runtime role "${role}" is not set up: run \`npx tradewise migrate\``);
  return found;
}

/** Grants the runtime privileges to `role` (and only those), and closes the database to PUBLIC. */
export async function grantRuntime(q: Queryable, role: string): Promise<string[]> {
  await q.query('SELECT tradewise_grant_runtime($1)', [role]);
  const warnings: string[] = [];
  const { rows } = await q.query<{ public_connect: boolean }>(
    `SELECT coalesce(datacl IS NULL OR EXISTS (
       SELECT 1 FROM aclexplode(datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT'), true) AS public_connect
     FROM pg_database WHERE datname = current_database()`,
  );
  if (rows[0]?.public_connect === true) {
    warnings.push(
      'CONNECT on this database is still granted to PUBLIC (only the database owner can revoke it): REVOKE CONNECT ON DATABASE <name> FROM PUBLIC',
    );
  }
  return warnings;
}

/**
 * The migrator's last step (owner connection, locked transaction): the runtime role exists, is fit
 * to serve requests, and holds exactly the runtime privileges. Skipped for a schema (a test's
 * migration directory) that has no runtime_privileges.
 */
export async function grantRuntimeRole(q: Queryable, login: RuntimeLogin): Promise<string[]> {
  const { rows } = await q.query<{ present: boolean }>(
    "SELECT to_regprocedure('tradewise_grant_runtime(text)') IS NOT NULL AS present",
  );
  if (rows[0]?.present !== true) return [];
  if (login.mode === 'embedded') {
    // One superuser session in-process: the role is NOLOGIN and entered with SET LOCAL ROLE.
    await q.query('SELECT tradewise_grant_runtime($1)', [EMBEDDED_RUNTIME_ROLE]);
    return [];
  }
  const role = login.mode === 'derived' ? await ensureDerivedRole(q) : login.role;
  const problem = await runtimeRoleProblem(q, role, true);
  if (problem !== undefined) {
    throw new Error(
      `${problem}: requests must log in as a role that owns nothing and is a member of nothing${
        login.mode === 'provisioned' ? " (DATABASE_URL's user; see ops/deploy/postgres.md)" : ''
      }`,
    );
  }
  return grantRuntime(q, role);
}
