// POST /auth/refresh: a refresh token (body, or the console's HttpOnly cookie plus CSRF proof) →
// a new token pair. Rotation, grace and reuse detection: sessions.service.ts. Every refusal is a
// 401 with the one fixed message and a security event; reuse revokes the whole session and raises
// `refresh_token_reuse` (critical).

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import { internalError, notAuthenticated, ValidationFailed } from '../../platform/errors.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { errorResponse } from '../../platform/openapi.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { SecurityEventRecorder, SecurityEventType } from '../audit/index.ts';
import { csrfCheckFailed, inactiveUser } from './auth.errors.ts';
import { RefreshBody, TokenResponse } from './auth.schemas.ts';
import type { AuthServices } from './auth.services.ts';
import { clearSessionCookies, refreshCookie, requireCsrfProof } from './refresh-cookie.ts';
import { parseRefreshToken } from './refresh-tokens.ts';
import { clientInfo, type RotateOutcome } from './sessions.service.ts';
import { tokenResponse } from './token-response.ts';

/** What the refresh route uses. */
export interface RefreshRouteDeps {
  config: Config;
  db: Database;
  inTenant: InTenant;
  metrics: Metrics;
  securityEvents: SecurityEventRecorder;
}

/** Carries a refused outcome out of the transaction, rolling it back (nothing changed). */
class RefreshRefused extends Error {
  constructor(readonly outcome: RotateOutcome) {
    super('refresh refused');
  }
}

const REFUSALS: Record<string, [SecurityEventType, string]> = {
  invalid: ['token_invalid', 'Invalid refresh token'],
  expired: ['token_expired', 'Refresh token has expired'],
  revoked: ['token_revoked', 'Refresh token of a revoked session presented'],
  reuse: ['refresh_token_reuse', 'Spent refresh token presented again: session revoked'],
  inactive: ['inactive_user_access', 'Inactive user attempted to refresh'],
};

export async function refreshRoute(
  scope: FastifyInstance,
  { deps, services }: { deps: RefreshRouteDeps; services: AuthServices },
): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  async function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    outcome: RotateOutcome,
    context: { tenantId?: string; sessionId?: string; viaCookie: boolean },
  ): Promise<never> {
    const tenantId = outcome.userId === undefined ? undefined : context.tenantId;
    if (outcome.kind === 'reuse' && outcome.userId !== undefined && context.tenantId !== undefined) {
      const who = { tenantId: context.tenantId, userId: outcome.userId };
      const sessionId = context.sessionId as string;
      // Outside inTenant on purpose: the answer is a 401, and the security event is the record.
      await deps.db.withTenant(context.tenantId, (tx) =>
        services.revoker.endSessions(tx, who, { sessionId }, 'refresh_token_reuse'),
      );
      deps.metrics.tokenRevocations.inc({ reason: 'refresh_token_reuse' });
    }
    const [type, description] = REFUSALS[outcome.kind] ?? (REFUSALS.invalid as [SecurityEventType, string]);
    await deps.securityEvents.record({
      type,
      description,
      ip: request.ip,
      userId: outcome.userId,
      tenantId,
      ...requestIds(request),
      details: {
        token_type: 'refresh',
        ...(context.sessionId && tenantId ? { session_id: context.sessionId } : {}),
      },
    });
    if (context.viaCookie) clearSessionCookies(request, reply, deps.config);
    throw outcome.kind === 'inactive' ? inactiveUser() : notAuthenticated();
  }

  app.post(
    '/auth/refresh',
    {
      config: { rateLimit: ['refresh'] },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new pair (the old refresh token is spent)',
        description:
          'The refresh token comes in the body or, for the console, in the tw_refresh cookie; a cookie ' +
          'request must send X-CSRF-Token (equal to the tw_csrf cookie) and an allowed Origin. A refresh ' +
          'token presented again after its grace window revokes its whole session.',
        body: RefreshBody,
        response: {
          200: TokenResponse,
          400: errorResponse('The account has been deactivated.', inactiveUser()),
          401: errorResponse(
            'The refresh token is unknown, expired, already spent (its session is then revoked) or of an ended session.',
            notAuthenticated(),
          ),
          403: errorResponse(
            'A cookie refresh without X-CSRF-Token equal to the tw_csrf cookie, or from an Origin not allowed.',
            csrfCheckFailed(),
          ),
        },
      },
      // The console's cookie refresh may send no body at all: read it as an empty object.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request, reply) => {
      const fromBody = request.body.refresh_token;
      const fromCookie = fromBody === undefined ? refreshCookie(request) : undefined;
      if (fromBody === undefined && fromCookie === undefined) {
        throw new ValidationFailed([
          { loc: ['body', 'refresh_token'], msg: 'Field required', type: 'missing' },
        ]);
      }
      const viaCookie = fromCookie !== undefined;
      if (viaCookie) await requireCsrfProof(request, deps.config, deps.securityEvents);
      const token = (fromBody ?? fromCookie) as string;
      const parts = parseRefreshToken(token);
      if (parts === null) return refuse(request, reply, { kind: 'invalid' }, { viaCookie });

      let outcome: RotateOutcome;
      try {
        outcome = await deps.inTenant(
          request,
          async (tx) => {
            const result = await services.sessions.rotate(tx, token, parts, clientInfo(request));
            if (!('pair' in result)) throw new RefreshRefused(result);
            tx.note({
              action: 'session.refresh',
              resourceType: 'session',
              resourceId: parts.sessionId,
              details: { user_id: result.userId, grace: result.kind === 'grace' },
            });
            return result;
          },
          { tenantId: parts.tenantId },
        );
      } catch (error) {
        if (!(error instanceof RefreshRefused)) throw error;
        return refuse(request, reply, error.outcome, { ...parts, viaCookie });
      }
      if (!('pair' in outcome)) throw internalError();
      return tokenResponse(
        request,
        reply,
        deps.config,
        outcome.pair,
        viaCookie || request.body.cookie === true,
      );
    },
  );
}
