// Platform operations: every tenant's security events and the pre-login ones (no tenant), which
// no tenant admin can see. Operator role only (granted by the command line, never by a tenant).
// The runtime role's row-level security hides other tenants' rows by design, so this route reads
// through ops_security_events(), the narrow SECURITY DEFINER function of migration 0004 (0011 now), and calls
// it only after the operator guard; the trade-off is described next to the function.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/index.ts';
import { idCursor, toPage } from '../../platform/pagination.ts';
import { legacyEventId } from '../../platform/pagination-legacy.ts';
import type { RequireRole } from '../../platform/request-auth.ts';
import {
  listAllSecurityEvents,
  OpsSecurityEventQuery,
  SecurityEventPage,
  timeWindow,
  toSecurityEventView,
} from '../audit/index.ts';

/** What the operators' security-event listing uses. */
export interface OpsSecurityEventRouteDeps {
  db: Database;
  requireRole: RequireRole;
}

/** By the event's public id, over every tenant: not the tenant listing's cursor. */
const opsSecurityEventCursor = idCursor('ops-security-events', legacyEventId);

export async function opsSecurityEventRoutes(plugin: FastifyInstance, deps: OpsSecurityEventRouteDeps) {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/ops/security-events',
    {
      // First step after authentication: nothing of the query is looked at for a non-operator.
      onRequest: deps.requireRole('operator'),
      schema: {
        tags: ['operations'],
        summary: 'Security events of every tenant, and those before login (operators)',
        description:
          'Newest first, cursor-paginated, filtered by tenant, user, type, severity, request id and time ' +
          'window. A flood of one event from one source is one row with a `count`.',
        security: [{ bearerAuth: [] }],
        querystring: OpsSecurityEventQuery,
        response: { 200: SecurityEventPage },
      },
    },
    async (request) => {
      const { query } = request;
      const before = opsSecurityEventCursor.decode(query.cursor);
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
      return toPage(rows, query.limit, opsSecurityEventCursor, (row) => row.public_id, toSecurityEventView);
    },
  );
}
