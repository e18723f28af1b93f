// Platform operations: every tenant's security events and the pre-login ones (no tenant), which
// no tenant admin can see. Operator role only (granted by the command line, never by a tenant).
// The runtime role's row-level security hides other tenants' rows by design, so this route reads
// through ops_security_events(), the narrow SECURITY DEFINER function of migration 0004 (0011 now), and calls
// it only after the operator guard; the trade-off is described next to the function.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.ts';
import { ErrorBody } from '../../platform/errors.ts';
import { OpsSecurityEventQuery, SecurityEventPage } from '../audit/audit.schemas.ts';
import { decodeCursor, timeWindow, toPage, toSecurityEventView } from '../audit/audit-listing.ts';
import { listAllSecurityEvents } from '../audit/security-events.repository.ts';
import { requireRole } from '../auth/authenticate.ts';

export async function opsSecurityEventRoutes(plugin: FastifyInstance, deps: AppDeps) {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/ops/security-events',
    {
      // First step after authentication: nothing of the query is looked at for a non-operator.
      onRequest: requireRole('operator', deps.securityEvents),
      schema: {
        tags: ['operations'],
        security: [{ bearerAuth: [] }],
        querystring: OpsSecurityEventQuery,
        response: { 200: SecurityEventPage, 403: ErrorBody },
      },
    },
    async (request) => {
      const { query } = request;
      const before = decodeCursor('e', query.cursor);
      // No tenant: row-level security shows this transaction nothing; only the function reads.
      const rows = await deps.db.withTenant(null, (tx) =>
        listAllSecurityEvents(tx, {
          before,
          ...timeWindow(query),
          tenantId: query.tenant_id?.toLowerCase(),
          userId: query.user_id?.toLowerCase(),
          eventType: query.event_type,
          severity: query.severity,
          requestId: query.request_id,
          limit: query.limit + 1,
        }),
      );
      return toPage(rows, query.limit, 'e', (row) => row.public_id, toSecurityEventView);
    },
  );
}
