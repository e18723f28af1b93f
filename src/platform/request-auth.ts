// The principal of an authenticated request, as every feature reads it. The auth feature proves it
// (features/auth/authenticate.ts sets `request.auth` from a valid, unrevoked access token); the
// rest of the code only reads it, through `authOf`, which fails closed on a route that somehow has
// none.
import type { FastifyRequest } from 'fastify';
import { notAuthenticated } from './errors.ts';

export interface AuthContext {
  userId: string;
  tenantId: string;
  email: string;
  roles: readonly string[];
  jti: string;
  /** Seconds since the epoch, from the token. */
  issuedAt: number;
  expiresAt: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` for routes of the authenticated context; null elsewhere. */
    auth: AuthContext | null;
  }
}

/** The request's authentication, for handlers of the authenticated context (401 if somehow absent). */
export function authOf(request: FastifyRequest): AuthContext {
  if (request.auth === null) throw notAuthenticated();
  return request.auth;
}

/** A route hook that refuses (403, and a security event) a user without `requiredRole`. */
export type RoleGuard = ((request: FastifyRequest) => Promise<void>) & { readonly requiredRole: string };

/** Builds a role guard, for a route's `onRequest` (or `preHandler`). */
export type RequireRole = (role: 'admin' | 'operator') => RoleGuard;

/** The role a route hook requires, if it is a role guard: /openapi.json documents its 403. */
export function requiredRoleOf(hook: unknown): string | undefined {
  const role = (hook as Partial<RoleGuard> | null | undefined)?.requiredRole;
  return typeof hook === 'function' && typeof role === 'string' ? role : undefined;
}
