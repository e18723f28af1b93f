// The authenticated context's gate. A request gets `request.auth` only with a valid HS256 access
// token in the Authorization header (never the query string: RFC 6750 §5.3) that is neither
// revoked by its jti nor by a per-user "revoked before" mark, whose user is active. Every refusal
// is a 401 with one fixed message and a security event; the revocation state costs one store
// round trip, and an unreachable store means 503, never "allow".

import type { FastifyReply, FastifyRequest } from 'fastify';
import { notAuthenticated } from '../../platform/errors.ts';
import type { RoleGuard } from '../../platform/request-auth.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { StateStore } from '../../platform/store/index.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import type { RequestGate } from '../protection/index.ts';
import { inactiveUser, notEnoughPermissions } from './auth.errors.ts';
import { issuedAtMs, revocationKeys, revokedByMark } from './revocation.ts';
import type { TokenService } from './tokens.ts';
import { TokenError } from './tokens.ts';

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i.exec(header);
  return match?.[1];
}

export interface AuthenticateDeps {
  tokens: TokenService;
  store: StateStore;
  securityEvents: SecurityEventRecorder;
  /** IP block, route limits, user throttle and usage count: folded into the same store batch. */
  gate: RequestGate;
}

export type Authenticate = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function createAuthenticate(deps: AuthenticateDeps): Authenticate {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = bearerToken(request);
    if (token === undefined) {
      // A blocked or rate-limited client is refused as such, credentials or not.
      await deps.gate.publicHook(request, reply);
      throw notAuthenticated();
    }

    let claims: ReturnType<TokenService['verify']>;
    try {
      claims = deps.tokens.verify(token);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      await deps.gate.publicHook(request, reply);
      await deps.securityEvents.record({
        type: error.reason,
        description: error.reason === 'token_expired' ? 'JWT token has expired' : 'Invalid JWT token',
        ip: request.ip,
        ...requestIds(request),
      });
      throw notAuthenticated();
    }

    const keys = revocationKeys(claims.user_id);
    const gate = deps.gate.plan(request, reply, { userId: claims.user_id, tenantId: claims.tenant_id });
    // The request's one store round trip: the gate's checks and the revocation state together.
    const results = await deps.store.batch([
      ...gate.ops,
      { op: 'exists', key: keys.jti(claims.jti) },
      { op: 'get', key: keys.revokedBefore },
      { op: 'exists', key: keys.inactive },
    ]);
    await gate.enforceClient(results);
    const [jtiRevoked, revokedBefore, inactive] = results.slice(gate.ops.length);
    const context = {
      ip: request.ip,
      userId: claims.user_id,
      tenantId: claims.tenant_id,
      ...requestIds(request),
    };
    if (jtiRevoked === true || revokedByMark(issuedAtMs(claims), revokedBefore as string | null)) {
      await deps.securityEvents.record({
        type: 'token_revoked',
        description: 'Revoked JWT token presented',
        ...context,
      });
      throw notAuthenticated();
    }
    if (inactive === true) {
      await deps.securityEvents.record({
        type: 'inactive_user_access',
        description: 'Inactive user attempted access',
        ...context,
      });
      throw inactiveUser();
    }
    await gate.enforceUser(results);

    request.auth = {
      userId: claims.user_id,
      tenantId: claims.tenant_id,
      email: claims.sub,
      roles: claims.roles,
      jti: claims.jti,
      issuedAt: claims.iat,
      expiresAt: claims.exp,
    };
    request.log = request.log.child({ user_id: claims.user_id, tenant_id: claims.tenant_id });
  };
}

/** Route guard: the authenticated user must hold `role`, else 403 and a security event. */
export function requireRole(role: string, securityEvents: SecurityEventRecorder): RoleGuard {
  async function guard(request: FastifyRequest): Promise<void> {
    const auth = request.auth;
    if (auth === null) throw notAuthenticated();
    if (auth.roles.includes(role)) return;
    await securityEvents.record({
      type: 'unauthorized_access_attempt',
      description: `Role "${role}" required`,
      ip: request.ip,
      userId: auth.userId,
      tenantId: auth.tenantId,
      ...requestIds(request),
      details: { route: request.routeOptions.url, method: request.method },
    });
    throw notEnoughPermissions();
  }
  // The role stays readable on the hook, so the OpenAPI document lists the route's 403.
  return Object.assign(guard, { requiredRole: role });
}
