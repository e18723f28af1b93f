// SQL for sessions (refresh-token families), their spent tokens and the access tokens they issued.
// Every function runs in the caller's tenant transaction; row-level security scopes each statement.
import type { Tx } from '../../platform/db/index.ts';
import type { Keyset } from '../../platform/pagination.ts';
import { keysetParams, keysetSql } from '../../platform/pagination.ts';

export interface NewSession {
  id: string;
  tenantId: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export async function insertSession(tx: Tx, s: NewSession): Promise<void> {
  await tx.query(
    `INSERT INTO sessions (id, tenant_id, user_id, refresh_token_hash, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [s.id, s.tenantId, s.userId, s.tokenHash, s.expiresAt, s.ip, s.userAgent],
  );
}

/** A session with what a refresh needs of its user, locked for the rest of the transaction. */
export interface LockedSession {
  id: string;
  tenant_id: string;
  user_id: string;
  refresh_token_hash: string;
  previous_token_hash: string | null;
  grace_token_sealed: string | null;
  /** Seconds since the parent was rotated; null when it never was. */
  rotated_seconds_ago: number | null;
  expired: boolean;
  expires_at: Date;
  revoked: boolean;
  email: string;
  roles: string[];
  is_active: boolean;
}

/**
 * Locks the session row (SELECT … FOR UPDATE), so that concurrent refreshes of one session run one
 * after the other; the second then sees the first one's rotation. Ages are computed by the
 * database clock, the same clock that stamped them.
 */
export async function lockSession(tx: Tx, sessionId: string): Promise<LockedSession | undefined> {
  const { rows } = await tx.query<LockedSession>(
    `SELECT s.id, s.tenant_id, s.user_id, s.refresh_token_hash, s.previous_token_hash, s.grace_token_sealed,
            extract(epoch FROM (now() - s.rotated_at))::float8 AS rotated_seconds_ago,
            s.expires_at <= now() AS expired, s.expires_at, s.revoked_at IS NOT NULL AS revoked,
            u.email, u.roles, u.is_active
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = $1
     FOR UPDATE OF s`,
    [sessionId],
  );
  return rows[0];
}

export async function rotateSession(
  tx: Tx,
  r: {
    sessionId: string;
    newHash: string;
    parentHash: string;
    sealed: string;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<void> {
  await tx.query(
    `UPDATE sessions
     SET refresh_token_hash = $2, previous_token_hash = $3, grace_token_sealed = $4, rotated_at = now(),
         last_used_at = now(), ip = $5, user_agent = $6
     WHERE id = $1`,
    [r.sessionId, r.newHash, r.parentHash, r.sealed, r.ip, r.userAgent],
  );
  await tx.query(
    `INSERT INTO spent_refresh_tokens (token_hash, tenant_id, session_id)
     SELECT $2, tenant_id, id FROM sessions WHERE id = $1`,
    [r.sessionId, r.parentHash],
  );
}

export async function touchSession(tx: Tx, sessionId: string, ip: string | null, userAgent: string | null) {
  await tx.query('UPDATE sessions SET last_used_at = now(), ip = $2, user_agent = $3 WHERE id = $1', [
    sessionId,
    ip,
    userAgent,
  ]);
}

export async function isSpent(tx: Tx, sessionId: string, tokenHash: string): Promise<boolean> {
  const { rows } = await tx.query(
    'SELECT 1 FROM spent_refresh_tokens WHERE token_hash = $1 AND session_id = $2',
    [tokenHash, sessionId],
  );
  return rows.length > 0;
}

/** Revokes sessions by id or all of a user's (optionally but one); returns the ids it revoked. */
export async function revokeSessions(
  tx: Tx,
  where: { sessionId: string } | { userId: string; exceptSessionId?: string | undefined },
  reason: string,
): Promise<string[]> {
  const [condition, params] =
    'sessionId' in where
      ? ['id = $2', [where.sessionId]]
      : ['user_id = $2 AND id IS DISTINCT FROM $3::uuid', [where.userId, where.exceptSessionId ?? null]];
  const { rows } = await tx.query<{ id: string }>(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = $1, grace_token_sealed = NULL
     WHERE revoked_at IS NULL AND ${condition}
     RETURNING id`,
    [reason, ...params],
  );
  return rows.map((r) => r.id);
}

export async function insertAccessToken(
  tx: Tx,
  t: { jti: string; tenantId: string; userId: string; sessionId: string; expiresAt: Date },
): Promise<void> {
  // Rows of the session's tokens that have expired are of no further use: drop them on the way.
  await tx.query('DELETE FROM access_tokens WHERE session_id = $1 AND expires_at <= now()', [t.sessionId]);
  await tx.query(
    'INSERT INTO access_tokens (jti, tenant_id, user_id, session_id, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [t.jti, t.tenantId, t.userId, t.sessionId, t.expiresAt],
  );
}

export async function sessionOfAccessToken(tx: Tx, jti: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ session_id: string }>(
    'SELECT session_id FROM access_tokens WHERE jti = $1',
    [jti],
  );
  return rows[0]?.session_id;
}

export interface LiveAccessToken {
  jti: string;
  expires_at: Date;
}

export async function liveAccessTokens(tx: Tx, sessionIds: readonly string[]): Promise<LiveAccessToken[]> {
  if (sessionIds.length === 0) return [];
  const { rows } = await tx.query<LiveAccessToken>(
    'SELECT jti, expires_at FROM access_tokens WHERE session_id = ANY($1::uuid[]) AND expires_at > now()',
    [sessionIds],
  );
  return rows;
}

export interface SessionRow {
  id: string;
  created_at: Date;
  last_used_at: Date;
  ip: string | null;
  user_agent: string | null;
  cursor_key: string;
}

const sessionsKeyset = keysetSql('sessions', 3, 'descending');

/** The user's live sessions, newest first, after the cursor position when given. */
export async function listLiveSessions(
  tx: Tx,
  userId: string,
  page: { limit: number; after?: Keyset | undefined },
): Promise<SessionRow[]> {
  const params: unknown[] = [userId, page.limit];
  let after = '';
  if (page.after !== undefined) {
    params.push(...keysetParams(page.after));
    after = `AND ${sessionsKeyset.after}`;
  }
  const { rows } = await tx.query<SessionRow>(
    `SELECT id, created_at, last_used_at, ip, user_agent, created_at::text AS cursor_key
     FROM sessions
     WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() ${after}
     ${sessionsKeyset.order}
     LIMIT $2`,
    params,
  );
  return rows;
}

export async function findLiveSession(tx: Tx, userId: string, sessionId: string): Promise<boolean> {
  const { rows } = await tx.query(
    'SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()',
    [sessionId, userId],
  );
  return rows.length > 0;
}

/** Live sessions of every tenant (a SECURITY DEFINER count; see 0002). */
export async function countLiveSessions(tx: Tx): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT auth_live_session_count() AS n');
  return Number(rows[0]?.n ?? 0);
}
