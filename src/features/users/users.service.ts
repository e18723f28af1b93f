// Tenant administration of users: change (roles, active, name) and delete, with the rules that
// keep a tenant manageable and tokens honest:
//   - API roles are `admin` and `user`; roles the API cannot grant (`operator`) are kept as they are;
//   - nobody raises their own roles (OWASP ASVS 4.1.x: no self-escalation);
//   - the last active admin of a tenant is never removed, deactivated or demoted — race-safe: the
//     tenant's admin rows are locked first, always in the same order, then the target;
//   - a role change refuses the user's current access tokens (they carry the old roles), so the next
//     refresh issues the new ones; deactivation ends every session and makes every token answer
//     "400 Inactive user"; reactivation refuses every token issued before it, then lifts the mark;
//     deletion refuses every token the user had.

import type { Tx } from '../../platform/db/index.ts';
import type { Metrics } from '../../platform/metrics.ts';
import type { AuthContext } from '../../platform/request-auth.ts';
import { requestIds } from '../../platform/request-context.ts';
import type { SecurityEventRecorder } from '../audit/index.ts';
import type { Revoker } from '../auth/index.ts';
import { cannotRaiseOwnRoles, lastAdmin, userNotFound } from './users.errors.ts';
import type { UserRow } from './users.repository.ts';
import { deleteUser, findUser, lockActiveAdmins, updateUser } from './users.repository.ts';
import { API_ROLES } from './users.schemas.ts';

export interface UserUpdate {
  full_name?: string | undefined;
  roles?: string[] | undefined;
  is_active?: boolean | undefined;
}

/** The request a change comes from (a FastifyRequest is one). */
export interface Requester {
  ip: string;
  id: string;
  serverRequestId: string;
}

export interface UserAdmin {
  /** `request`: who asked, for the security event of a refused self-promotion. */
  update(
    tx: Tx,
    actor: AuthContext,
    userId: string,
    update: UserUpdate,
    request: Requester,
  ): Promise<UserRow>;
  remove(tx: Tx, actor: AuthContext, userId: string): Promise<void>;
}

const isApiRole = (role: string): boolean => (API_ROLES as readonly string[]).includes(role);
const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((r) => b.includes(r));

export function createUserAdmin(deps: {
  revoker: Revoker;
  metrics: Metrics;
  securityEvents: SecurityEventRecorder;
}): UserAdmin {
  /** Locks admins then the target; refuses when the change would leave the tenant without one. */
  async function lockTarget(tx: Tx, userId: string, removesAdmin: (target: UserRow) => boolean) {
    const admins = await lockActiveAdmins(tx);
    const target = await findUser(tx, userId, { lock: true });
    if (target === undefined) throw userNotFound();
    if (removesAdmin(target) && admins.filter((id) => id !== target.id).length === 0) throw lastAdmin();
    return target;
  }

  return {
    async update(tx, actor, userId, update, request) {
      const rolesAfter = (t: UserRow): string[] | undefined =>
        update.roles && [...update.roles, ...t.roles.filter((r) => !isApiRole(r))];
      const target = await lockTarget(tx, userId, (t) => {
        const roles = rolesAfter(t);
        const wasAdmin = t.is_active && t.roles.includes('admin');
        return wasAdmin && (update.is_active === false || (roles !== undefined && !roles.includes('admin')));
      });
      const roles = rolesAfter(target);
      if (target.id === actor.userId && roles?.some((r) => !target.roles.includes(r))) {
        await deps.securityEvents.record({
          type: 'unauthorized_access_attempt',
          description: 'User attempted to raise their own roles',
          ip: request.ip,
          ...requestIds(request),
          userId: actor.userId,
          tenantId: actor.tenantId,
          details: { requested_roles: update.roles },
        });
        throw cannotRaiseOwnRoles();
      }
      const updated = await updateUser(tx, userId, {
        fullName: update.full_name,
        roles,
        isActive: update.is_active,
      });
      if (updated === undefined) throw userNotFound();

      const who = { tenantId: target.tenant_id, userId: target.id };
      if (target.is_active && !updated.is_active) {
        await deps.revoker.endSessions(tx, who, { all: true }, 'deactivation', { keepAccessTokens: true });
        deps.revoker.markInactive(tx, target.id, true);
        deps.metrics.tokenRevocations.inc({ reason: 'deactivation' });
      } else if (!target.is_active && updated.is_active) {
        await deps.revoker.revokeUserTokens(tx, who, 'reactivation');
        deps.revoker.markInactive(tx, target.id, false);
        deps.metrics.tokenRevocations.inc({ reason: 'reactivation' });
      } else if (!sameSet(target.roles, updated.roles)) {
        await deps.revoker.revokeUserTokens(tx, who, 'role_change');
        deps.metrics.tokenRevocations.inc({ reason: 'role_change' });
      }
      return updated;
    },

    async remove(tx, _actor, userId) {
      const target = await lockTarget(tx, userId, (t) => t.is_active && t.roles.includes('admin'));
      // The mark outlives the user row (token_revocations has no foreign key to users).
      await deps.revoker.revokeUserTokens(
        tx,
        { tenantId: target.tenant_id, userId: target.id },
        'user_deleted',
      );
      deps.revoker.markInactive(tx, target.id, false);
      await deleteUser(tx, userId);
      deps.metrics.tokenRevocations.inc({ reason: 'user_deleted' });
    },
  };
}
