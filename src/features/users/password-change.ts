// POST /users/me/password: current and new password → the new password, every session and access
// token of the user revoked (OWASP ASVS 3.3.3: terminate other sessions after a password change),
// and a new session for the caller, returned as a token pair — the device that changed the
// password stays logged in, with fresh tokens; everything issued before, including the token of
// this very request, is refused from now on.
//
// The current-password check is a credential check like login: it goes through the login hooks,
// so brute-force protection sees (and may refuse) guesses made with a stolen access token.

import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import { ValidationFailed } from '../../platform/errors.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { hashPassword, verifyPassword } from '../../platform/passwords/index.ts';
import type { AuthContext } from '../../platform/request-auth.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { AuthServices } from '../auth/index.ts';
import {
  acceptNewPassword,
  afterMark,
  clientInfo,
  normaliseEmail,
  type TokenPair,
  updatePasswordHash,
} from '../auth/index.ts';
import type { LoginAttempt, LoginHooks } from '../protection/index.ts';
import { incorrectPassword, userNotFound } from './users.errors.ts';
import { findPasswordHash, findUser } from './users.repository.ts';

/** What a password change uses. */
export interface PasswordChangeDeps {
  config: Config;
  db: Database;
  inTenant: InTenant;
  loginHooks: LoginHooks;
  metrics: Metrics;
}

export async function changePassword(
  request: FastifyRequest,
  auth: AuthContext,
  body: { current_password: string; new_password: string },
  deps: PasswordChangeDeps,
  services: AuthServices,
): Promise<TokenPair> {
  acceptNewPassword(body.new_password, ['body', 'new_password']);
  if (body.new_password === body.current_password) {
    throw new ValidationFailed([
      {
        loc: ['body', 'new_password'],
        msg: 'New password must differ from the current password',
        type: 'value_error',
      },
    ]);
  }
  const who = { tenantId: auth.tenantId, userId: auth.userId };
  const attempt: LoginAttempt = {
    email: auth.email,
    // Hashed as login hashes what it is typed, so both count against the same account.
    usernameHash: services.usernameHash(normaliseEmail(auth.email)),
    ip: request.ip,
    ...requestIds(request),
    userAgent: clientInfo(request).userAgent ?? undefined,
    context: 'password_change',
  };
  await deps.loginHooks.beforeCredentialCheck(attempt);
  const currentHash = await deps.db.withTenant(auth.tenantId, (tx) => findPasswordHash(tx, auth.userId));
  if (currentHash === undefined) throw userNotFound();
  if (!(await verifyPassword(body.current_password, currentHash))) {
    await deps.loginHooks.onFailure(attempt, who, 'wrong_password');
    throw incorrectPassword();
  }
  await deps.loginHooks.onSuccess(attempt, who);
  const newHash = await hashPassword(body.new_password, deps.config.passwordHashCost);

  const pair = await deps.inTenant(request, async (tx) => {
    const user = await findUser(tx, auth.userId, { lock: true });
    if (user === undefined) throw userNotFound();
    await updatePasswordHash(tx, auth.userId, newHash);
    await services.revoker.endSessions(tx, who, { all: true }, 'password_change');
    const mark = await services.revoker.revokeUserTokens(tx, who, 'password_change');
    await afterMark(mark);
    const started = await services.sessions.start(
      tx,
      { ...who, email: user.email, roles: user.roles },
      clientInfo(request),
    );
    tx.note({
      action: 'user.password_change',
      resourceType: 'user',
      resourceId: auth.userId,
      fields: ['password'],
    });
    return started;
  });
  deps.metrics.tokenRevocations.inc({ reason: 'password_change' });
  return pair;
}
