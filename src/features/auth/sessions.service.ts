// Sessions: a login starts one (a refresh-token family), each refresh rotates it, logout ends it.
//
// Rotation and the concurrent-refresh grace (RFC 9700 §4.14.2; OWASP ASVS 3.3): the session row is
// locked for the refresh, so two refreshes of one session run one after the other. Presented token:
//   - the current one            → rotate: a new refresh token, the parent is spent, the new token is
//                                  sealed under the parent for the grace window (refresh-tokens.ts);
//   - the parent, rotated within → the second tab of a concurrent pair: it gets the same successor
//     REFRESH_REUSE_GRACE_SECONDS   (unsealed with the parent it presented) and its own access
//                                  token, so both tabs continue with one working session;
//   - any other spent token      → reuse: the whole session is revoked, `refresh_token_reuse`;
//   - anything else              → invalid.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Tx } from '../../platform/db/index.ts';
import {
  hashRefreshToken,
  newRefreshToken,
  openSuccessor,
  type RefreshTokenParts,
  sameHash,
  sealSuccessor,
} from './refresh-tokens.ts';
import {
  insertAccessToken,
  insertSession,
  isSpent,
  lockSession,
  rotateSession,
  touchSession,
} from './sessions.repository.ts';
import type { IssuedToken, TokenService } from './tokens.ts';

export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}

export interface Subject {
  userId: string;
  tenantId: string;
  email: string;
  roles: readonly string[];
}

export interface TokenPair {
  access: IssuedToken;
  refreshToken: string;
  sessionId: string;
  sessionExpiresAt: Date;
}

export type RotateOutcome =
  | { kind: 'rotated' | 'grace'; pair: TokenPair; userId: string }
  | { kind: 'invalid' | 'expired' | 'revoked' | 'reuse' | 'inactive'; userId?: string };

export interface SessionService {
  start(tx: Tx, subject: Subject, client: ClientInfo): Promise<TokenPair>;
  rotate(tx: Tx, presented: string, parts: RefreshTokenParts, client: ClientInfo): Promise<RotateOutcome>;
}

const MAX_USER_AGENT = 512;

export function clientInfo(request: { ip: string; headers: Record<string, unknown> }): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, MAX_USER_AGENT) : null };
}

export function createSessionService(deps: { tokens: TokenService; config: Config }): SessionService {
  const sessionLifetimeMs = deps.config.refreshTokenExpireDays * 86_400_000;

  async function issueAccess(tx: Tx, subject: Subject, sessionId: string): Promise<IssuedToken> {
    const access = deps.tokens.issue(subject);
    await insertAccessToken(tx, {
      jti: access.claims.jti,
      tenantId: subject.tenantId,
      userId: subject.userId,
      sessionId,
      expiresAt: new Date(access.claims.exp * 1000),
    });
    return access;
  }

  return {
    async start(tx, subject, client) {
      const sessionId = randomUUID();
      const refreshToken = newRefreshToken({ tenantId: subject.tenantId, sessionId });
      // Absolute lifetime (OWASP ASVS 3.3.x): rotation does not extend a session; logging in again does.
      const sessionExpiresAt = new Date(Date.now() + sessionLifetimeMs);
      await insertSession(tx, {
        id: sessionId,
        tenantId: subject.tenantId,
        userId: subject.userId,
        tokenHash: hashRefreshToken(refreshToken),
        expiresAt: sessionExpiresAt,
        ip: client.ip,
        userAgent: client.userAgent,
      });
      const access = await issueAccess(tx, subject, sessionId);
      return { access, refreshToken, sessionId, sessionExpiresAt };
    },

    async rotate(tx, presented, parts, client) {
      const session = await lockSession(tx, parts.sessionId);
      if (session === undefined || session.tenant_id !== parts.tenantId) return { kind: 'invalid' };
      const userId = session.user_id;
      const hash = hashRefreshToken(presented);
      const current = sameHash(session.refresh_token_hash, hash);
      const parent = sameHash(session.previous_token_hash, hash);
      if (!current && !parent) {
        return { kind: (await isSpent(tx, session.id, hash)) ? 'reuse' : 'invalid', userId };
      }
      if (session.revoked) return { kind: 'revoked', userId };
      if (session.expired) return { kind: 'expired', userId };
      if (!session.is_active) return { kind: 'inactive', userId };
      const subject: Subject = {
        userId,
        tenantId: session.tenant_id,
        email: session.email,
        roles: session.roles,
      };
      const base = { sessionId: session.id, sessionExpiresAt: new Date(session.expires_at) };

      if (current) {
        const refreshToken = newRefreshToken(parts);
        await rotateSession(tx, {
          sessionId: session.id,
          newHash: hashRefreshToken(refreshToken),
          parentHash: hash,
          sealed: sealSuccessor(presented, refreshToken, session.id),
          ip: client.ip,
          userAgent: client.userAgent,
        });
        const access = await issueAccess(tx, subject, session.id);
        return { kind: 'rotated', userId, pair: { ...base, access, refreshToken } };
      }

      const withinGrace =
        session.rotated_seconds_ago !== null &&
        session.rotated_seconds_ago <= deps.config.refreshReuseGraceSeconds &&
        session.grace_token_sealed !== null;
      const successor = withinGrace
        ? openSuccessor(presented, session.grace_token_sealed as string, session.id)
        : null;
      if (successor === null) return { kind: 'reuse', userId };
      await touchSession(tx, session.id, client.ip, client.userAgent);
      const access = await issueAccess(tx, subject, session.id);
      return { kind: 'grace', userId, pair: { ...base, access, refreshToken: successor } };
    },
  };
}
