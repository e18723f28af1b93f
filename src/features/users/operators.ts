// Platform operators: users whose roles include `operator`, granted only by the command line
// (`tradewise create-operator`, taken away by `tradewise remove-operator`), never by the API. They live in one dedicated platform tenant, so
// an operator is never a member of a customer tenant and no tenant admin can see, change or remove
// them; a customer account cannot be turned into an operator.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/index.ts';
import { hashPassword } from '../../platform/passwords/index.ts';
import { appendAuditRecord } from '../audit/index.ts';
import type { Revoker } from '../auth/index.ts';
import { findLoginAccount } from '../auth/index.ts';
import { ensureTenant, insertUser, updateUser } from './users.repository.ts';

/** The platform tenant: the nil UUID (RFC 9562 §5.9), which no registration can produce. */
export const PLATFORM_TENANT_ID = '00000000-0000-0000-0000-000000000000';
export const PLATFORM_TENANT_NAME = 'TradeWise platform operators';

export type CreateOperatorResult =
  | { outcome: 'created' | 'promoted' | 'unchanged'; userId: string }
  | { outcome: 'customer_account' };

/** Creates the operator, or grants `operator` to an existing platform-tenant user. */
export async function createOperator(
  db: Database,
  input: { email: string; password: string; fullName: string; cost: number },
): Promise<CreateOperatorResult> {
  const existing = await db.withTenant(null, (tx) => findLoginAccount(tx, input.email));
  if (existing !== undefined && existing.tenant_id !== PLATFORM_TENANT_ID)
    return { outcome: 'customer_account' };
  const passwordHash = existing === undefined ? await hashPassword(input.password, input.cost) : undefined;

  return db.withTenant(PLATFORM_TENANT_ID, async (tx) => {
    let result: CreateOperatorResult;
    if (existing !== undefined) {
      if (existing.roles.includes('operator')) return { outcome: 'unchanged', userId: existing.user_id };
      await updateUser(tx, existing.user_id, { roles: [...existing.roles, 'operator'] });
      result = { outcome: 'promoted', userId: existing.user_id };
    } else {
      await ensureTenant(tx, { id: PLATFORM_TENANT_ID, name: PLATFORM_TENANT_NAME });
      const user = await insertUser(tx, {
        id: randomUUID(),
        tenantId: PLATFORM_TENANT_ID,
        email: input.email,
        fullName: input.fullName,
        passwordHash: passwordHash as string,
        roles: ['operator'],
      });
      result = { outcome: 'created', userId: user.id };
    }
    await appendAuditRecord(tx, {
      tenantId: PLATFORM_TENANT_ID,
      actorUserId: null,
      actorEmail: null,
      ip: null,
      method: 'CLI',
      route: 'create-operator',
      path: 'create-operator',
      status: 0,
      requestId: `cli-${randomUUID()}`,
      action: result.outcome === 'created' ? 'user.create_operator' : 'user.grant_operator',
      resourceType: 'user',
      resourceId: result.userId,
      changes: {
        fields: result.outcome === 'created' ? ['email', 'full_name', 'password', 'roles'] : ['roles'],
      },
    });
    return result;
  });
}

export type RemoveOperatorResult =
  | { outcome: 'removed'; userId: string; deactivated: boolean; sessionsEnded: number }
  | { outcome: 'not_found' | 'not_operator' };

/**
 * Takes the `operator` role away, at once: the role is in every access token's `roles` claim, so
 * the user's tokens issued so far are refused (the "revoked before" mark) and their sessions end,
 * on every instance (the marks are durable, then copied to the shared store after the commit).
 * An account left without any role has no use in the platform tenant and is deactivated.
 */
export async function removeOperator(
  db: Database,
  revoker: Revoker,
  email: string,
): Promise<RemoveOperatorResult> {
  const existing = await db.withTenant(null, (tx) => findLoginAccount(tx, email));
  if (existing === undefined || existing.tenant_id !== PLATFORM_TENANT_ID) return { outcome: 'not_found' };
  if (!existing.roles.includes('operator')) return { outcome: 'not_operator' };

  return db.withTenant(PLATFORM_TENANT_ID, async (tx) => {
    const remaining = existing.roles.filter((role) => role !== 'operator');
    const deactivated = remaining.length === 0;
    await updateUser(tx, existing.user_id, {
      roles: deactivated ? ['user'] : remaining,
      ...(deactivated ? { isActive: false } : {}),
    });
    const target = { tenantId: PLATFORM_TENANT_ID, userId: existing.user_id };
    const sessionsEnded = await revoker.endSessions(tx, target, { all: true }, 'role_change');
    await revoker.revokeUserTokens(tx, target, 'role_change');
    if (deactivated) revoker.markInactive(tx, existing.user_id, true);
    await appendAuditRecord(tx, {
      tenantId: PLATFORM_TENANT_ID,
      actorUserId: null,
      actorEmail: null,
      ip: null,
      method: 'CLI',
      route: 'remove-operator',
      path: 'remove-operator',
      status: 0,
      requestId: `cli-${randomUUID()}`,
      action: 'user.revoke_operator',
      resourceType: 'user',
      resourceId: existing.user_id,
      changes: { fields: deactivated ? ['roles', 'is_active'] : ['roles'] },
    });
    return { outcome: 'removed', userId: existing.user_id, deactivated, sessionsEnded };
  });
}
