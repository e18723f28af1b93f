// Schemas of GET/PATCH /tenant (CONTRACT.md "Tenant, invitations and account recovery"). The name
// is the registration's `tenant_name` field, with the same rules (auth's TenantName).
import { Type } from 'typebox';
import { isoTimestamp } from '../../platform/db/index.ts';
import { TenantName } from '../auth/index.ts';
import type { TenantRow } from './tenants.repository.ts';

export const Tenant = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  require_mfa: Type.Boolean({
    description: 'whether the tenant requires MFA of its users: always false until MFA exists (issue 18)',
  }),
  created_at: Type.String({ format: 'date-time' }),
});

// require_mfa is not taken yet: MFA does not exist, so a tenant cannot require it (an unknown
// field, 422, rather than a setting stored and silently not enforced).
export const UpdateTenantBody = Type.Object(
  { name: Type.Optional(TenantName) },
  { minProperties: 1, examples: [{ name: 'Acme Trading Desk' }] },
);

export interface TenantView {
  id: string;
  name: string;
  require_mfa: boolean;
  created_at: string;
}

export function tenantView(row: TenantRow): TenantView {
  return { id: row.id, name: row.name, require_mfa: false, created_at: isoTimestamp(row.created_at) };
}
