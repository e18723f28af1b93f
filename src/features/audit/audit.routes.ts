// Security administration (CONTRACT.md): a tenant admin reads the tenant's own audit trail and
// security events and verifies the audit chain. Every route runs in the request's tenant
// transaction, so row-level security shows the admin's tenant and nothing else. The role check
// is the route's first onRequest step (right after authentication): a non-admin is refused, and
// recorded as unauthorized_access_attempt, before the query is even parsed.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.ts';
import { ErrorBody } from '../../platform/errors.ts';
import { requireRole } from '../auth/authenticate.ts';
import { listAuditRecords } from './audit.repository.ts';
import {
  AuditLogQuery,
  AuditRecordPage,
  SecurityEventPage,
  SecurityEventQuery,
  VerifyResponse,
} from './audit.schemas.ts';
import { decodeCursor, timeWindow, toAuditRecordView, toPage, toSecurityEventView } from './audit-listing.ts';
import { tenantChainStorage, verifyAndRecordPoint } from './audit-verify.ts';
import { listTenantSecurityEvents } from './security-events.repository.ts';
import { createVerifiedPointSeal } from './verified-point.ts';

const tags = ['security administration'];
const security = [{ bearerAuth: [] }];

export async function auditRoutes(plugin: FastifyInstance, deps: AppDeps) {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  const adminOnly = requireRole('admin', deps.securityEvents);
  const tenantOf = (request: { auth: { tenantId: string } | null }) => request.auth?.tenantId as string;
  const seal = createVerifiedPointSeal(deps.config.encryptionKey);

  app.get(
    '/admin/audit-log',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        security,
        querystring: AuditLogQuery,
        response: { 200: AuditRecordPage, 403: ErrorBody },
      },
    },
    async (request) => {
      const { query } = request;
      const beforeSeq = decodeCursor('a', query.cursor);
      const rows = await deps.inTenant(request, (tx) =>
        listAuditRecords(tx, {
          tenantId: tenantOf(request),
          beforeSeq,
          ...timeWindow(query),
          actorUserId: query.actor_user_id?.toLowerCase(),
          actorEmail: query.actor_email,
          action: query.action,
          resourceType: query.resource_type,
          requestId: query.request_id,
          limit: query.limit + 1,
        }),
      );
      return toPage(rows, query.limit, 'a', (row) => Number(row.seq), toAuditRecordView);
    },
  );

  app.get(
    '/admin/audit-log/verify',
    {
      onRequest: adminOnly,
      schema: { tags, security, response: { 200: VerifyResponse, 403: ErrorBody } },
    },
    // Incremental: from the tenant's signed verified point (see audit-verify.ts). The full walk is
    // the operators' (GET /ops/audit-log/verify) and the command line's. Reads go page by page in
    // short transactions of their own; the new point is written in one more.
    async (request) => {
      const tenantId = tenantOf(request);
      return verifyAndRecordPoint(tenantChainStorage(deps.db, tenantId), tenantId, {
        incremental: true,
        seal,
      });
    },
  );

  app.get(
    '/admin/security-events',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        security,
        querystring: SecurityEventQuery,
        response: { 200: SecurityEventPage, 403: ErrorBody },
      },
    },
    async (request) => {
      const { query } = request;
      const before = decodeCursor('e', query.cursor);
      const rows = await deps.inTenant(request, (tx) =>
        listTenantSecurityEvents(tx, tenantOf(request), {
          before,
          ...timeWindow(query),
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
