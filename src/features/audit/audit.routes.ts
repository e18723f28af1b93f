// Security administration (CONTRACT.md): a tenant admin reads the tenant's own audit trail and
// security events and verifies the audit chain. Every route runs in the request's tenant
// transaction, so row-level security shows the admin's tenant and nothing else. The role check
// is the route's first onRequest step (right after authentication): a non-admin is refused, and
// recorded as unauthorized_access_attempt, before the query is even parsed.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { InTenant } from '../../platform/db/tenant-transaction.ts';
import { toPage } from '../../platform/pagination.ts';
import type { RequireRole } from '../../platform/request-auth.ts';
import { authOf } from '../../platform/request-auth.ts';
import { listAuditRecords } from './audit.repository.ts';
import {
  AuditLogQuery,
  AuditRecordPage,
  SecurityEventPage,
  SecurityEventQuery,
  VerifyResponse,
} from './audit.schemas.ts';
import {
  auditRecordCursor,
  tenantSecurityEventCursor,
  timeWindow,
  toAuditRecordView,
  toSecurityEventView,
} from './audit-listing.ts';
import { tenantChainStorage, verifyAndRecordPoint } from './audit-verify.ts';
import { listTenantSecurityEvents } from './security-events.repository.ts';
import { createVerifiedPointSeal } from './verified-point.ts';

/** What the tenant admins' audit and security-event routes use. */
export interface AuditRouteDeps {
  config: Config;
  db: Database;
  inTenant: InTenant;
  requireRole: RequireRole;
}

const tags = ['security administration'];
const security = [{ bearerAuth: [] }];

export async function auditRoutes(plugin: FastifyInstance, deps: AuditRouteDeps) {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  const adminOnly = deps.requireRole('admin');
  const seal = createVerifiedPointSeal(deps.config.encryptionKey);

  app.get(
    '/admin/audit-log',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: "The tenant's audit trail (admins)",
        description:
          'Every change made in your tenant, newest first: who (user, e-mail, address, request id), what ' +
          '(action, resource, the fields changed, never their secret values) and when; cursor-paginated ' +
          'and filtered by actor, action, resource type, request id and time window.',
        security,
        querystring: AuditLogQuery,
        response: { 200: AuditRecordPage },
      },
    },
    async (request) => {
      const { query } = request;
      const beforeSeq = auditRecordCursor.decode(query.cursor);
      const rows = await deps.inTenant(request, (tx) =>
        listAuditRecords(tx, {
          tenantId: authOf(request).tenantId,
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
      return toPage(rows, query.limit, auditRecordCursor, (row) => Number(row.seq), toAuditRecordView);
    },
  );

  app.get(
    '/admin/audit-log/verify',
    {
      onRequest: adminOnly,
      schema: {
        tags,
        summary: "Verify the tenant's audit chain since its last verified point (admins)",
        description:
          'Checks the hash chain of the records appended since the last signed verified point and records ' +
          "a new point. `ok: false` names the first bad record. The full walk is the operators' " +
          '(GET /ops/audit-log/verify).',
        security,
        response: { 200: VerifyResponse },
      },
    },
    // Incremental: from the tenant's signed verified point (see audit-verify.ts). The full walk is
    // the operators' (GET /ops/audit-log/verify) and the command line's. Reads go page by page in
    // short transactions of their own; the new point is written in one more.
    async (request) => {
      const tenantId = authOf(request).tenantId;
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
        summary: "The tenant's security events (admins)",
        description:
          'Refusals and detections that concern your tenant (failed logins, revoked tokens, refused URLs, ' +
          'throttles...), newest first; cursor-paginated and filtered by user, type, severity, request id ' +
          'and time window.',
        security,
        querystring: SecurityEventQuery,
        response: { 200: SecurityEventPage },
      },
    },
    async (request) => {
      const { query } = request;
      const before = tenantSecurityEventCursor.decode(query.cursor);
      const rows = await deps.inTenant(request, (tx) =>
        listTenantSecurityEvents(tx, authOf(request).tenantId, {
          before,
          ...timeWindow(query),
          userId: query.user_id?.toLowerCase(),
          eventType: query.event_type,
          severity: query.severity,
          requestId: query.request_id,
          limit: query.limit + 1,
        }),
      );
      return toPage(
        rows,
        query.limit,
        tenantSecurityEventCursor,
        (row) => row.public_id,
        toSecurityEventView,
      );
    },
  );
}
