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
import type { SecurityEventRecorder } from '../audit/security-events.ts';

export interface LoginAttempt {
  /** The normalised e-mail the client gave (not necessarily an existing account). */
  email: string;
  ip: string;
  requestId: string;
  userAgent: string | undefined;
  /** Where the password was checked. */
  context: 'login' | 'password_change';
}

export interface LoginAccount {
  userId: string;
  tenantId: string;
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
        details: { email: attempt.email, context: attempt.context },
      });
    },
    async onSuccess() {},
  };
}
