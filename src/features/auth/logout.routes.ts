// Logout. POST /auth/logout revokes the presented access token (its jti, until its own expiry) and
// the session it came from, at once. It is authenticated either by the bearer token — checked by
// the same `authenticate` as the authenticated context — or, for the console that has lost its
// in-memory access token, by the refresh cookie plus CSRF proof; so it lives in the public context
// and calls `authenticate` itself. POST /auth/logout-all (authenticated context) ends every session
// of the user and refuses every access token issued so far.

import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import { notAuthenticated } from '../../platform/errors.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { authOf } from '../../platform/request-auth.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import { csrfCheckFailed } from './auth.errors.ts';
import type { AuthServices } from './auth.services.ts';
import type { Authenticate } from './authenticate.ts';
import { clearSessionCookies, refreshCookie, requireCsrfProof } from './refresh-cookie.ts';
import { hashRefreshToken, parseRefreshToken, sameHash } from './refresh-tokens.ts';
import { lockSession, sessionOfAccessToken } from './sessions.repository.ts';

/** What logout and logout-all use. */
export interface LogoutRouteDeps {
  authenticate: Authenticate;
  auth: AuthServices;
  config: Config;
  inTenant: InTenant;
  metrics: Metrics;
  securityEvents: SecurityEventRecorder;
}

/** Rolls back a cookie logout whose token names no session of ours: nothing to do, nothing to audit. */
class NothingToEnd extends Error {}

const loggedOut = { type: 'null', description: 'Logged out' };

export async function logoutRoute(
  app: FastifyInstance,
  { deps, services }: { deps: LogoutRouteDeps; services: AuthServices },
): Promise<void> {
  app.post(
    '/auth/logout',
    {
      // Public, so limited per client IP like the other cookie-mode endpoints (REFRESH_RATE_LIMIT).
      config: { rateLimit: ['logout'] },
      schema: {
        tags: ['auth'],
        summary: 'Revoke the presented access token and its session',
        description:
          'Bearer token, or (for the console, which may have lost its in-memory access token) the ' +
          'tw_refresh cookie with X-CSRF-Token and an allowed Origin. Without either: 401. The session ' +
          'cookies are cleared. Limited per client address (REFRESH_RATE_LIMIT, counted apart).',
        security: [{ bearerAuth: [] }],
        response: {
          204: loggedOut,
          403: errorResponse(
            'A cookie logout without X-CSRF-Token equal to the tw_csrf cookie, or from an Origin not allowed.',
            csrfCheckFailed(),
          ),
        },
      },
    },
    async (request, reply) => {
      if (request.headers.authorization !== undefined) {
        await deps.authenticate(request, reply);
        const auth = authOf(request);
        const who = { tenantId: auth.tenantId, userId: auth.userId };
        await deps.inTenant(request, async (tx) => {
          const sessionId = await sessionOfAccessToken(tx, auth.jti);
          const expiresAt = new Date(auth.expiresAt * 1000);
          await services.revoker.revokeAccessTokens(tx, who, [{ jti: auth.jti, expiresAt }], 'logout');
          if (sessionId !== undefined) await services.revoker.endSessions(tx, who, { sessionId }, 'logout');
          tx.note({
            action: 'session.logout',
            resourceType: 'session',
            ...(sessionId ? { resourceId: sessionId } : {}),
          });
        });
      } else {
        const token = refreshCookie(request);
        if (token === undefined) throw notAuthenticated();
        await requireCsrfProof(request, deps.config, deps.securityEvents);
        const parts = parseRefreshToken(token);
        if (parts !== null) {
          await deps
            .inTenant(
              request,
              async (tx) => {
                const session = await lockSession(tx, parts.sessionId);
                const hash = hashRefreshToken(token);
                if (session === undefined || session.revoked) throw new NothingToEnd();
                if (
                  !sameHash(session.refresh_token_hash, hash) &&
                  !sameHash(session.previous_token_hash, hash)
                ) {
                  throw new NothingToEnd();
                }
                const who = { tenantId: parts.tenantId, userId: session.user_id };
                await services.revoker.endSessions(tx, who, { sessionId: session.id }, 'logout');
                tx.note({ action: 'session.logout', resourceType: 'session', resourceId: session.id });
              },
              { tenantId: parts.tenantId },
            )
            .catch((error: unknown) => {
              if (!(error instanceof NothingToEnd)) throw error;
            });
        }
      }
      deps.metrics.tokenRevocations.inc({ reason: 'logout' });
      clearSessionCookies(request, reply, deps.config);
      return reply.code(204).send();
    },
  );
}

export async function logoutAllRoute(scope: FastifyInstance, deps: LogoutRouteDeps): Promise<void> {
  await scope.register(cookie);
  const services = deps.auth;
  scope.post(
    '/auth/logout-all',
    {
      schema: {
        tags: ['auth'],
        summary: 'End every session of the user and revoke every access token issued so far',
        description:
          'Signs the user out everywhere, this client included: every refresh token is spent and every ' +
          'access token issued until now is refused, on every instance. Log in again to continue.',
        security: [{ bearerAuth: [] }],
        response: { 204: loggedOut },
      },
    },
    async (request, reply) => {
      const auth = authOf(request);
      const who = { tenantId: auth.tenantId, userId: auth.userId };
      await deps.inTenant(request, async (tx) => {
        const ended = await services.revoker.endSessions(tx, who, { all: true }, 'logout_all');
        await services.revoker.revokeUserTokens(tx, who, 'logout_all');
        tx.note({
          action: 'session.logout_all',
          resourceType: 'user',
          resourceId: auth.userId,
          details: { ended },
        });
      });
      deps.metrics.tokenRevocations.inc({ reason: 'logout_all' });
      clearSessionCookies(request, reply, deps.config);
      return reply.code(204).send();
    },
  );
}
