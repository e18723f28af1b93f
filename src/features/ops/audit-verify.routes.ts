// Platform operations: the full re-verification of one tenant's audit chain, from its first
// retained record, checking the tenant's signed verified point on the way (see
// features/audit/audit-verify.ts). A tenant admin's GET /admin/audit-log/verify only checks what
// was appended since the last verified point; this walk also finds a change made since to an
// older record. Operator role only; it costs the whole chain (a page at a time, each in its own
// short transaction, so other requests run in between), which is why tenants do not get it.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db/index.ts';
import { errorResponse } from '../../platform/openapi.ts';
import type { RequireRole } from '../../platform/request-auth.ts';
import {
  createVerifiedPointSeal,
  OpsAuditVerifyQuery,
  tenantChainStorage,
  VerifyResponse,
  verifyAndRecordPoint,
} from '../audit/index.ts';
import { tenantNotFound } from '../tenants/index.ts';
import { tenantExists } from '../users/index.ts';

/** What the operators' full audit verification uses. */
export interface OpsAuditVerifyRouteDeps {
  config: Config;
  db: Database;
  requireRole: RequireRole;
}

export async function opsAuditVerifyRoutes(plugin: FastifyInstance, deps: OpsAuditVerifyRouteDeps) {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  const seal = createVerifiedPointSeal(deps.config.encryptionKey);

  app.get(
    '/ops/audit-log/verify',
    {
      // First step after authentication: nothing of the query is looked at for a non-operator.
      onRequest: deps.requireRole('operator'),
      schema: {
        tags: ['operations'],
        summary: "Verify one tenant's whole audit chain (operators)",
        description:
          "Walks the tenant's hash chain from its first retained record and checks the tenant's signed " +
          'verified point on the way, so a change made to an older record is found too. `ok: false` ' +
          'names the first bad record. Costs the whole chain (read a page at a time).',
        security: [{ bearerAuth: [] }],
        querystring: OpsAuditVerifyQuery,
        response: { 200: VerifyResponse, 404: errorResponse('No tenant has this id.', tenantNotFound()) },
      },
    },
    async (request) => {
      const tenantId = request.query.tenant_id.toLowerCase();
      // The operator names the tenant: the walk runs in that tenant's row-level-security scope.
      const known = await deps.db.withTenant(tenantId, (tx) => tenantExists(tx, tenantId), {
        readOnly: true,
      });
      if (!known) throw tenantNotFound();
      return verifyAndRecordPoint(tenantChainStorage(deps.db, tenantId), tenantId, { seal });
    },
  );
}
