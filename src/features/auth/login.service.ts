// Login: e-mail and password → a new session with an access and a refresh token.
//
// An unknown e-mail and a wrong password are indistinguishable (OWASP ASVS 2.2.x, CWE-204/208):
// same status, body and headers, and both spend exactly one bcrypt comparison at the configured
// cost (a dummy hash for an unknown e-mail), one lookup and one security event. A correct password
// of a deactivated account gets the seed's "400 Inactive user" — only to someone who knows the
// password. A hash made at a lower cost (or not $2b$) is replaced on the way in (ASVS 2.4.x).

import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import type { Metrics } from '../../platform/metrics.ts';
import {
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from '../../platform/passwords/index.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import type { LoginAttempt, LoginHooks } from '../protection/index.ts';
import { normaliseEmail } from './account-input.ts';
import { inactiveUser, invalidCredentials } from './auth.errors.ts';
import type { DeviceCookies } from './device-cookie.ts';
import { deviceCookie } from './device-cookie.ts';
import { findLoginAccount, updatePasswordHash } from './login.repository.ts';
import type { SessionService, TokenPair } from './sessions.service.ts';
import { clientInfo } from './sessions.service.ts';
import type { UsernameHash } from './typed-username.ts';

export interface LoginResult {
  pair: TokenPair;
  /** A fresh device cookie for this account (device-cookie.ts), for the client to keep. */
  deviceCookie: string;
}

export interface LoginService {
  login(request: FastifyRequest, credentials: { username: string; password: string }): Promise<LoginResult>;
}

export function createLoginService(deps: {
  config: Config;
  db: Database;
  inTenant: InTenant;
  hooks: LoginHooks;
  sessions: SessionService;
  securityEvents: SecurityEventRecorder;
  metrics: Metrics;
  deviceCookies: DeviceCookies;
  usernameHash: UsernameHash;
}): LoginService {
  const cost = deps.config.passwordHashCost;

  return {
    async login(request, credentials) {
      const stopTimer = deps.metrics.authDuration.startTimer();
      let outcome = 'error';
      try {
        const email = normaliseEmail(credentials.username).slice(0, 320);
        const attempt: LoginAttempt = {
          email,
          usernameHash: deps.usernameHash(email),
          device: deps.deviceCookies.verify(deviceCookie(request), email),
          ip: request.ip,
          ...requestIds(request),
          userAgent: clientInfo(request).userAgent ?? undefined,
          context: 'login',
        };
        outcome = 'refused';
        await deps.hooks.beforeCredentialCheck(attempt);
        outcome = 'error';

        const account = await deps.db.withTenant(null, (tx) => findLoginAccount(tx, attempt.email));
        const valid =
          account === undefined
            ? await verifyAgainstDummy(credentials.password, cost)
            : await verifyPassword(credentials.password, account.password_hash);
        if (account === undefined || !valid) {
          outcome = 'failure';
          const who = account && { userId: account.user_id, tenantId: account.tenant_id };
          await deps.hooks.onFailure(attempt, who ?? null, account ? 'wrong_password' : 'unknown_email');
          throw invalidCredentials();
        }
        const who = { userId: account.user_id, tenantId: account.tenant_id };
        if (!account.is_active) {
          outcome = 'inactive';
          await deps.securityEvents.record({
            type: 'inactive_user_access',
            description: 'Inactive user attempted to log in',
            ip: request.ip,
            ...who,
            ...requestIds(request),
          });
          throw inactiveUser();
        }
        await deps.hooks.onSuccess(attempt, who);

        const rehash = needsRehash(account.password_hash, cost)
          ? await hashPassword(credentials.password, cost).catch(() => undefined)
          : undefined;
        const pair = await deps.inTenant(
          request,
          async (tx) => {
            if (rehash !== undefined) await updatePasswordHash(tx, account.user_id, rehash);
            const started = await deps.sessions.start(
              tx,
              { ...who, email: account.email, roles: account.roles },
              clientInfo(request),
            );
            tx.note({
              action: 'session.create',
              resourceType: 'session',
              resourceId: started.sessionId,
              fields: rehash === undefined ? [] : ['password_hash'],
              details: rehash === undefined ? {} : { password_rehashed: true },
            });
            return started;
          },
          { tenantId: account.tenant_id, actor: { userId: account.user_id, email: account.email } },
        );
        outcome = 'success';
        return { pair, deviceCookie: deps.deviceCookies.issue(email) };
      } finally {
        stopTimer({ outcome });
      }
    },
  };
}
