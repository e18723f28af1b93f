// GET /tenant (any signed-in user of the tenant) and PATCH /tenant (its admins): the caller's own
// tenant, never another's (row-level security scopes both statements). Authenticated context.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import { errorResponse } from '../../platform/openapi.ts';
import type { RequireRole } from '../../platform/request-auth.ts';
import { authOf } from '../../platform/request-auth.ts';
import { tenantNotFound } from './tenants.errors.ts';
import { findTenant, updateTenant } from './tenants.repository.ts';
import { Tenant, tenantView, UpdateTenantBody } from './tenants.schemas.ts';

/** What the tenant routes use. */

/** The caller's tenant was deleted while the token still lives. */
const tenantGone = errorResponse('Your tenant no longer exists.', tenantNotFound());

export interface TenantRouteDeps {
  inTenant: InTenant;
  requireRole: RequireRole;
}

const tags = ['tenant'];

export async function tenantRoutes(scope: FastifyInstance, deps: TenantRouteDeps): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/tenant',
    {
      schema: {
        tags,
        summary: 'Your tenant',
        description:
          'The tenant of the signed-in user, for any of its users: its name (the `tenant_name` given at ' +
          "registration, or the registering user's `full_name` when none was given) and whether it " +
          'requires MFA (`require_mfa`: always false until MFA exists).',
        response: { 200: Tenant, 404: tenantGone },
      },
    },
    async (request) => {
      const { tenantId } = authOf(request);
      const row = await deps.inTenant(request, (tx) => findTenant(tx, tenantId));
      if (row === undefined) throw tenantNotFound();
      return tenantView(row);
    },
  );

  app.patch(
    '/tenant',
    {
      preHandler: deps.requireRole('admin'),
      schema: {
        tags,
        summary: 'Rename your tenant (admins)',
        description:
          'Changes only the fields sent; answers the tenant. `name` follows the rules of `tenant_name` ' +
          'at registration (1-200 characters, no invisible or control characters). `require_mfa` is ' +
          'not accepted yet (a 422, as any unknown field): multi-factor authentication is not built. ' +
          'Role `admin` only (403 otherwise); audited as `tenant.update` with the fields changed.',
        body: UpdateTenantBody,
        response: { 200: Tenant, 404: tenantGone },
      },
    },
    async (request) => {
      const { tenantId } = authOf(request);
      const row = await deps.inTenant(request, async (tx) => {
        const updated = await updateTenant(tx, tenantId, request.body);
        if (updated === undefined) throw tenantNotFound();
        tx.note({
          action: 'tenant.update',
          resourceType: 'tenant',
          resourceId: tenantId,
          fields: Object.keys(request.body),
        });
        return updated;
      });
      return tenantView(row);
    },
  );
}
