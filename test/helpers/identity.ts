// Tenants, users and access tokens made directly in the database, for tests of features that
// sit behind authentication. (Registration and login have their own tests through the API.)
import { randomUUID } from 'node:crypto';
import { createTokenService } from '../../src/features/auth/tokens.ts';
import { hashPassword } from '../../src/platform/passwords/index.ts';
import type { TestApp } from './app.ts';

export interface TestIdentity {
  tenantId: string;
  userId: string;
  email: string;
  password: string;
  roles: string[];
  token: string;
  headers: { authorization: string };
}

export const TEST_PASSWORD = 'Correct-Horse-42!';

export async function createTenantUser(
  t: TestApp,
  options: { roles?: string[]; tenantId?: string; email?: string } = {},
): Promise<TestIdentity> {
  const tenantId = options.tenantId ?? randomUUID();
  const email = options.email ?? `user-${randomUUID()}@example.test`;
  const roles = options.roles ?? ['admin', 'user'];
  const passwordHash = await hashPassword(TEST_PASSWORD, t.config.passwordHashCost);
  const userId = await t.db.withTenant(tenantId, async (tx) => {
    if (options.tenantId === undefined) {
      await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [
        tenantId,
        `tenant ${tenantId.slice(0, 8)}`,
      ]);
    }
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO users (tenant_id, email, full_name, password_hash, roles) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [tenantId, email, 'Test User', passwordHash, roles],
    );
    return (rows[0] as { id: string }).id;
  });
  const token = issueToken(t, { tenantId, userId, email, roles });
  return {
    tenantId,
    userId,
    email,
    password: TEST_PASSWORD,
    roles,
    token,
    headers: { authorization: `Bearer ${token}` },
  };
}

export function issueToken(
  t: TestApp,
  subject: { tenantId: string; userId: string; email: string; roles: string[] },
): string {
  const tokens = createTokenService({
    secretKeys: t.config.secretKey,
    expireMinutes: t.config.accessTokenExpireMinutes,
  });
  return tokens.issue(subject).token;
}
