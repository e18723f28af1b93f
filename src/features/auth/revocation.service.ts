// Revoking access tokens and sessions: written to the database (the durable copy, restored at
// start-up) and to the state store (what authentication reads, shared by every instance) in the
// caller's transaction. The store write comes last inside the transaction: if it fails, the
// transaction rolls back and the client gets a 503; if the commit fails after it, the store holds a
// revocation too many — the safe direction. Callers count `token_revocations_total{reason}` once
// per action (a logout ends a session and its tokens: one revocation).
import type { Tx } from '../../platform/db/index.ts';
import type { StateStore, StoreOp } from '../../platform/store/index.ts';
import { persistJtiRevocations, persistUserMark } from './revocation.repository.ts';
import { revocationKeys } from './revocation.ts';
import { liveAccessTokens, revokeSessions } from './sessions.repository.ts';

export type RevocationReason =
  | 'logout'
  | 'logout_all'
  | 'session_ended'
  | 'password_change'
  | 'deactivation'
  | 'reactivation'
  | 'role_change'
  | 'user_deleted'
  | 'refresh_token_reuse';

export interface Revoker {
  /**
   * Revokes sessions and every live access token they issued; returns how many sessions. With
   * `keepAccessTokens` only the sessions end: deactivation leaves the tokens to the inactive mark,
   * so that they answer "400 Inactive user" rather than 401.
   */
  endSessions(
    tx: Tx,
    target: { tenantId: string; userId: string },
    which: { sessionId: string } | { all: true; exceptSessionId?: string },
    reason: RevocationReason,
    options?: { keepAccessTokens?: boolean },
  ): Promise<number>;
  /** Revokes single access tokens by jti until their own expiry. */
  revokeAccessTokens(
    tx: Tx,
    target: { tenantId: string; userId: string },
    tokens: readonly { jti: string; expiresAt: Date }[],
    reason: RevocationReason,
  ): Promise<void>;
  /**
   * Refuses every access token of the user issued up to now (the "revoked before" mark); returns
   * the mark in milliseconds. Tokens issued in a later millisecond are not affected.
   */
  revokeUserTokens(
    tx: Tx,
    target: { tenantId: string; userId: string },
    reason: RevocationReason,
  ): Promise<number>;
  /** Sets or clears the user's "inactive" mark (the database's is_active is the caller's job). */
  markInactive(userId: string, inactive: boolean): Promise<void>;
}

export function createRevoker(deps: { store: StateStore; accessTokenLifetimeMs: number }): Revoker {
  const revokeAccessTokens: Revoker['revokeAccessTokens'] = async (tx, target, tokens, reason) => {
    const now = Date.now();
    const live = tokens.filter((t) => t.expiresAt.getTime() > now);
    if (live.length === 0) return;
    await persistJtiRevocations(tx, target.tenantId, live, reason);
    const keys = revocationKeys(target.userId);
    await deps.store.batch(
      live.map(
        (t): StoreOp => ({ op: 'set', key: keys.jti(t.jti), value: '1', ttlMs: t.expiresAt.getTime() - now }),
      ),
    );
  };

  return {
    revokeAccessTokens,

    async endSessions(tx, target, which, reason, options = {}) {
      const ended = await revokeSessions(
        tx,
        'sessionId' in which
          ? { sessionId: which.sessionId }
          : { userId: target.userId, exceptSessionId: which.exceptSessionId },
        reason,
      );
      if (options.keepAccessTokens === true) return ended.length;
      const tokens = await liveAccessTokens(tx, ended);
      await revokeAccessTokens(
        tx,
        target,
        tokens.map((t) => ({ jti: t.jti, expiresAt: new Date(t.expires_at) })),
        reason,
      );
      return ended.length;
    },

    async revokeUserTokens(tx, target, reason) {
      const mark = Date.now();
      // Every token issued up to the mark expires within one lifetime of it; a second of slack
      // covers the whole-second `exp`.
      const expiresAt = new Date(mark + deps.accessTokenLifetimeMs + 1_000);
      await persistUserMark(tx, { ...target, revokedBefore: new Date(mark), expiresAt, reason });
      await deps.store.set(
        revocationKeys(target.userId).revokedBefore,
        String(mark),
        expiresAt.getTime() - Date.now(),
      );
      return mark;
    },

    async markInactive(userId, inactive) {
      const key = revocationKeys(userId).inactive;
      if (inactive) await deps.store.set(key, '1');
      else await deps.store.delete(key);
    },
  };
}

/** Resolves once the clock has passed `markMs`, so a token issued next is not under the mark. */
export async function afterMark(markMs: number): Promise<void> {
  while (Date.now() <= markMs) await new Promise((resolve) => setTimeout(resolve, 1));
}
