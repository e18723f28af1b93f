// The points where brute-force protection plugs into login (and into the password check of
// POST /users/me/password). The login service calls them in this order:
//
//   beforeCredentialCheck  → may refuse (throw an AppError, e.g. 403 blocked IP, 429 + Retry-After)
//                            or delay; runs before any database read or bcrypt work
//   onFailure              → wrong password or unknown e-mail; `account` is set when the e-mail
//                            exists, so the event also belongs to that account's tenant
//   onSuccess              → correct password of an active account, before tokens are issued
//
// The default implementation only records the `login_failed` security event and counts
// `failed_logins_total`; the protection feature replaces it (and may wrap this one).
import type { Metrics } from '../../platform/metrics.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';

export interface LoginAttempt {
  /**
   * The normalised e-mail the client gave (not necessarily an existing account): never recorded
   * as such unless it names an account (see typedUsername).
   */
  email: string;
  /** Keyed hash of `email` (typed-username.ts): what events say of a name that is no account. */
  usernameHash: string;
  /** The nonce of a valid device cookie issued to this account, if the client presented one. */
  device?: string | undefined;
  ip: string;
  requestId: string;
  /** The server's own id of the request (request-context.ts). */
  serverRequestId: string;
  userAgent: string | undefined;
  /** Where the password was checked. */
  context: 'login' | 'password_change';
}

export interface LoginAccount {
  userId: string;
  tenantId: string;
}

/**
 * The typed username as events may keep it: the e-mail when it names an existing account, otherwise
 * only its keyed hash (a password typed into the e-mail field must not be stored, logged or alerted).
 */
export function typedUsername(
  attempt: LoginAttempt,
  account: LoginAccount | null | undefined,
): { email: string } | { username_hash: string } {
  return account ? { email: attempt.email } : { username_hash: attempt.usernameHash };
}

export type LoginFailureReason = 'unknown_email' | 'wrong_password';

export interface LoginHooks {
  beforeCredentialCheck(attempt: LoginAttempt): Promise<void>;
  onFailure(attempt: LoginAttempt, account: LoginAccount | null, reason: LoginFailureReason): Promise<void>;
  onSuccess(attempt: LoginAttempt, account: LoginAccount): Promise<void>;
}

export function createDefaultLoginHooks(deps: {
  securityEvents: SecurityEventRecorder;
  metrics: Metrics;
}): LoginHooks {
  return {
    async beforeCredentialCheck() {},
    async onFailure(attempt, account) {
      deps.metrics.failedLogins.inc();
      // The reason (unknown e-mail or wrong password) is deliberately not recorded: the event is
      // visible to the account's tenant admins, and to them an existing account's failures suffice.
      await deps.securityEvents.record({
        type: 'login_failed',
        description: 'Failed login attempt',
        ip: attempt.ip,
        userId: account?.userId,
        tenantId: account?.tenantId,
        requestId: attempt.requestId,
        serverRequestId: attempt.serverRequestId,
        details: { ...typedUsername(attempt, account), context: attempt.context },
      });
    },
    async onSuccess() {},
  };
}
