// Revoking access tokens and sessions: written to the database in the caller's transaction (the
// source of truth, restored into the store at start-up and whenever the store may have lost data),
// then, once it has committed, to the state store (what authentication reads, shared by every
// instance). So a revocation is durable before the client hears it succeeded, and one whose
// transaction failed is nowhere: never enforced by running instances and forgotten by fresh ones.
// If the store write fails after the commit, the client gets a 503 and the store re-seeds itself
// from the database (src/platform/store/reseed.ts). Callers count `token_revocations_total{reason}`
// once per action (a logout ends a session and its tokens: one revocation).
import { afterCommit } from '../../platform/db/after-commit.ts';
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
  /**
   * Sets or clears the user's "inactive" mark once `tx` commits (the database's is_active, changed
   * in `tx`, is the caller's job).
   */
  markInactive(tx: Tx, userId: string, inactive: boolean): void;
}

export function createRevoker(deps: { store: StateStore; accessTokenLifetimeMs: number }): Revoker {
  const revokeAccessTokens: Revoker['revokeAccessTokens'] = async (tx, target, tokens, reason) => {
    const now = Date.now();
    const live = tokens.filter((t) => t.expiresAt.getTime() > now);
    if (live.length === 0) return;
    await persistJtiRevocations(tx, target.tenantId, live, reason);
    const keys = revocationKeys(target.userId);
    afterCommit(tx, async () => {
      const at = Date.now();
      await deps.store.batch(
        live.map(
          (t): StoreOp => ({
            op: 'set',
            key: keys.jti(t.jti),
            value: '1',
            // At least a millisecond: a token that expired meanwhile needs no key, but one is harmless.
            ttlMs: Math.max(1, t.expiresAt.getTime() - at),
          }),
        ),
      );
    });
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
      afterCommit(tx, () =>
        deps.store.set(
          revocationKeys(target.userId).revokedBefore,
          String(mark),
          expiresAt.getTime() - Date.now(),
        ),
      );
      return mark;
    },

    markInactive(tx, userId, inactive) {
      // users.is_active, changed in `tx`, is the durable copy (auth_live_revocations reads it).
      const key = revocationKeys(userId).inactive;
      afterCommit(tx, () => (inactive ? deps.store.set(key, '1') : deps.store.delete(key)));
    },
  };
}

/** Resolves once the clock has passed `markMs`, so a token issued next is not under the mark. */
export async function afterMark(markMs: number): Promise<void> {
  while (Date.now() <= markMs) await new Promise((resolve) => setTimeout(resolve, 1));
}
