// Benchmark of audit verification (issue 14, item 8): seeds one tenant with N audit records (a
// valid chain, hashed in Node in batches and inserted by SQL), then times the full walk (what every
// GET /admin/audit-log/verify cost before), the incremental call with nothing appended, and the
// incremental call after appending 100 records.
//   node --import tsx bench/audit-verify.ts [--records 1000000]
// Server shape with DATABASE_URL set (a fresh tenant in that database, removed afterwards);
// embedded (in-memory PGlite) otherwise. Prints one JSON line of figures.
import { randomBytes, randomUUID } from 'node:crypto';
import { appendAuditRecord } from '../src/features/audit/audit.repository.ts';
import type { ChainedRecord } from '../src/features/audit/audit-chain.ts';
import { auditHash, GENESIS_HASH } from '../src/features/audit/audit-chain.ts';
import { tenantChainStorage, verifyAndRecordPoint } from '../src/features/audit/audit-verify.ts';
import { createVerifiedPointSeal } from '../src/features/audit/verified-point.ts';
import type { Database } from '../src/platform/db/index.ts';
import { migrate } from '../src/platform/db/index.ts';
import { createPgliteDatabase } from '../src/platform/db/pglite.ts';
import { createPostgresDatabase } from '../src/platform/db/postgres.ts';

const arg = process.argv.indexOf('--records');
const RECORDS = arg === -1 ? 1_000_000 : Number(process.argv[arg + 1]);
const BATCH = 5_000;
const url = process.env.DATABASE_URL;

async function seed(db: Database, tenantId: string): Promise<void> {
  await db.withOwner((q) => q.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, 'bench']));
  const start = Date.now() - RECORDS - 60_000;
  let prev = GENESIS_HASH;
  for (let from = 1; from <= RECORDS; from += BATCH) {
    const rows: Record<string, unknown>[] = [];
    for (let seq = from; seq < Math.min(from + BATCH, RECORDS + 1); seq++) {
      const record: ChainedRecord = {
        tenantId,
        seq,
        occurredAt: new Date(start + seq),
        actorUserId: null,
        actorEmail: 'bench@example.test',
        ip: '192.0.2.1',
        method: 'POST',
        route: '/api/v1/bots',
        path: '/api/v1/bots',
        status: 201,
        requestId: randomUUID(),
        serverRequestId: randomUUID(),
        action: 'bot.create',
        resourceType: 'bot',
        resourceId: randomUUID(),
        changes: { fields: ['name', 'kind', 'exchange', 'strategy'] },
      };
      const hash = auditHash(record, prev);
      rows.push({
        seq,
        prev_hash: prev,
        hash,
        occurred_at: record.occurredAt.toISOString(),
        request_id: record.requestId,
        server_request_id: record.serverRequestId,
        resource_id: record.resourceId,
      });
      prev = hash;
    }
    await db.withOwner((q) =>
      q.query(
        `INSERT INTO audit_log (tenant_id, seq, prev_hash, hash, occurred_at, actor_email, ip, method, route, path,
                                status, request_id, server_request_id, action, resource_type, resource_id, changes)
         SELECT $1, r.seq, r.prev_hash, r.hash, r.occurred_at, 'bench@example.test', '192.0.2.1', 'POST',
                '/api/v1/bots', '/api/v1/bots', 201, r.request_id, r.server_request_id, 'bot.create', 'bot',
                r.resource_id, '{"fields": ["name", "kind", "exchange", "strategy"]}'::jsonb
         FROM jsonb_to_recordset($2::jsonb) AS r(seq bigint, prev_hash text, hash text, occurred_at timestamptz,
              request_id text, server_request_id text, resource_id text)`,
        [tenantId, JSON.stringify(rows)],
      ),
    );
  }
  await db.withOwner((q) =>
    q.query('INSERT INTO audit_chain_heads (tenant_id, last_seq, last_hash) VALUES ($1, $2, $3)', [
      tenantId,
      RECORDS,
      prev,
    ]),
  );
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const began = process.hrtime.bigint();
  const value = await work();
  return { ms: Math.round(Number(process.hrtime.bigint() - began) / 1e4) / 100, value };
}

async function main(): Promise<void> {
  const db = url ? createPostgresDatabase({ url, poolSize: 5 }) : await createPgliteDatabase({});
  await migrate(db);
  const tenantId = randomUUID();
  const seal = createVerifiedPointSeal([randomBytes(32).toString('base64url')]);
  const storage = tenantChainStorage(db, tenantId);
  try {
    const seeded = await timed(() => seed(db, tenantId));
    const full = await timed(() => verifyAndRecordPoint(storage, tenantId, { seal }));
    const idle = await timed(() => verifyAndRecordPoint(storage, tenantId, { seal, incremental: true }));
    for (let i = 0; i < 100; i++) {
      await db.withTenant(tenantId, (tx) =>
        appendAuditRecord(tx, {
          tenantId,
          actorUserId: null,
          actorEmail: 'bench@example.test',
          ip: '192.0.2.1',
          method: 'POST',
          route: '/api/v1/bots',
          path: '/api/v1/bots',
          status: 201,
          requestId: randomUUID(),
          serverRequestId: randomUUID(),
          action: 'bot.create',
          resourceType: 'bot',
          resourceId: randomUUID(),
          changes: { fields: ['name'] },
        }),
      );
    }
    const appended = await timed(() => verifyAndRecordPoint(storage, tenantId, { seal, incremental: true }));
    const summary = (r: { ms: number; value: { ok: boolean; checked: number; mode: string } }) => ({
      ms: r.ms,
      ok: r.value.ok,
      checked: r.value.checked,
      mode: r.value.mode,
    });
    process.stdout.write(
      `${JSON.stringify({
        shape: url ? 'server (PostgreSQL)' : 'embedded (PGlite)',
        records: RECORDS,
        seed_ms: seeded.ms,
        full_verify: summary(full),
        incremental_nothing_appended: summary(idle),
        incremental_after_100_appended: summary(appended),
      })}\n`,
    );
  } finally {
    if (url) {
      await db.withOwner(async (q) => {
        for (const table of ['audit_verified_points', 'audit_chain_heads', 'audit_log']) {
          await q.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
        }
        await q.query('DELETE FROM tenants WHERE id = $1', [tenantId]);
      });
    }
    await db.close();
  }
}

await main();
