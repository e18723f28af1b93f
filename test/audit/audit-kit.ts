// Shared pieces of the audit tests: an app whose abuse thresholds do not get in the way of bulk
// requests, a test-only probe route that runs through the real inTenant, and owner-side reads.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AuditRecordRow } from '../../src/features/audit/audit.repository.ts';
import { appendAuditRecord } from '../../src/features/audit/audit.repository.ts';
import { auditHook } from '../../src/features/audit/audit-hook.ts';
import { createTokenService } from '../../src/features/auth/tokens.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { createInTenant } from '../../src/platform/db/tenant-transaction.ts';
import { AppError } from '../../src/platform/errors.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestDatabase } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';

export const BULK_ENV = {
  SUSPICIOUS_API_CALLS_PER_MINUTE: '1000000',
  TEST_CONNECTION_RATE_LIMIT: '100000/minute',
  TENANT_TEST_CONNECTION_RATE_LIMIT: '100000/minute',
};

/** The real app over fresh test storage (a pool large enough for bursts), probe routes included. */
export async function buildAuditApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase({ poolSize: 10 });
  const t = await buildTestApp({ ...BULK_ENV, ...env }, { db });
  await registerProbe(t);
  await t.app.ready();
  return {
    ...t,
    async close() {
      await t.close();
      await db.close();
    },
  };
}

/**
 * POST /api/v1/test-probe/notes inserts a bot through the same inTenant the app uses, noting
 * `fields` and `details` from the body; with `fail: true` it throws after its change.
 */
async function registerProbe(t: TestApp): Promise<void> {
  const tokens = createTokenService({
    secretKeys: t.config.secretKey,
    expireMinutes: t.config.accessTokenExpireMinutes,
  });
  const inTenant = createInTenant({
    db: t.db,
    hooks: [auditHook(createMetrics({ collectProcessMetrics: false }))],
  });
  const Body = Type.Object({
    name: Type.String(),
    fail: Type.Optional(Type.Boolean()),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  });
  await t.app.register(
    async (app: FastifyInstance) => {
      app.addHook('onRequest', async (request) => {
        const claims = tokens.verify((request.headers.authorization ?? '').replace(/^Bearer /, ''));
        request.auth = {
          userId: claims.user_id,
          tenantId: claims.tenant_id,
          email: claims.sub,
          roles: claims.roles,
          jti: claims.jti,
          issuedAt: claims.iat,
          expiresAt: claims.exp,
        };
      });
      app.post(
        '/notes',
        { schema: { body: Body, response: { 201: Type.Object({ id: Type.String() }) } } },
        async (request, reply) => {
          const body = request.body as { name: string; fail?: boolean; details?: Record<string, unknown> };
          const id = await inTenant(request, async (tx) => {
            const { rows } = await tx.query<{ id: string }>(
              `INSERT INTO bots (tenant_id, name, kind, exchange, strategy) VALUES ($1, $2, 'internal', 'probe', 'grid')
             RETURNING id`,
              [tx.tenantId, body.name],
            );
            const botId = (rows[0] as { id: string }).id;
            tx.note({
              action: 'probe.create',
              resourceType: 'bot',
              resourceId: botId,
              fields: ['name'],
              ...(body.details ? { details: body.details } : {}),
            });
            if (body.fail === true) throw new AppError(409, 'LAST_ADMIN', 'probe failed after its change');
            return botId;
          });
          return reply.code(201).send({ id });
        },
      );
    },
    { prefix: '/api/v1/test-probe' },
  );
}

export function createBot(t: TestApp, who: TestIdentity, body: Record<string, unknown> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/bots',
    headers: who.headers,
    payload: {
      name: `bot-${randomUUID().slice(0, 8)}`,
      kind: 'internal',
      exchange: 'binance',
      strategy: 'grid',
      ...body,
    },
  });
}

export async function ownerAuditRows(t: TestApp, tenantId: string): Promise<AuditRecordRow[]> {
  const { rows } = await t.db.withOwner((q) =>
    q.query<AuditRecordRow>('SELECT * FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [tenantId]),
  );
  return rows;
}

export async function verifyVia(t: TestApp, who: TestIdentity) {
  const res = await t.app.inject({
    method: 'GET',
    url: '/api/v1/admin/audit-log/verify',
    headers: who.headers,
  });
  return {
    status: res.statusCode,
    body: res.json() as { ok: boolean; checked: number; first_bad: number | null; reason?: string },
  };
}

export const DAY_MS = 86_400_000;

/** Appends `n` records dated `daysAgo` days back, as requests of that time would have. */
export async function appendOldRecords(db: Database, tenantId: string, n: number, daysAgo: number) {
  for (let i = 0; i < n; i++) {
    await db.withTenant(tenantId, (tx) =>
      appendAuditRecord(tx, {
        tenantId,
        actorUserId: null,
        actorEmail: 'old@example.test',
        ip: '192.0.2.1',
        method: 'POST',
        route: '/api/v1/bots',
        path: '/api/v1/bots',
        status: 201,
        requestId: randomUUID(),
        action: 'bot.create',
        resourceType: 'bot',
        resourceId: randomUUID(),
        changes: { fields: ['name'] },
        occurredAt: new Date(Date.now() - daysAgo * DAY_MS + i),
      }),
    );
  }
}
