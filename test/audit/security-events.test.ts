// Security events: stored with who, where and which request; pre-login events belong to no
// tenant and only operators see them; the writer batches, survives an outage and drains on close.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { createSecurityEventWriter } from '../../src/features/audit/security-event-writer.ts';
import { createSecurityEventRecorder } from '../../src/features/audit/security-events.ts';
import type { Database } from '../../src/platform/db/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { buildAuditApp } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';
const silent = pino({ level: 'silent' });
const FORGED = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe(`security events (${shape})`, () => {
  let t: TestApp;
  before(async () => {
    t = await buildAuditApp();
  });
  after(() => t.close());

  const list = async (who: TestIdentity, url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: who.headers });
    return { status: res.statusCode, body: res.json() };
  };
  const storedByRequest = async (requestId: string) =>
    (
      await t.db.withOwner((q) =>
        q.query<Record<string, unknown>>('SELECT * FROM security_events WHERE request_id = $1', [requestId]),
      )
    ).rows;

  test('a forged token is a pre-login event: operators see it, no tenant admin does', async () => {
    const requestId = `forged-${randomUUID()}`;
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/bots',
      headers: { authorization: FORGED, 'x-request-id': requestId },
      remoteAddress: '198.51.100.23',
    });
    assert.equal(res.statusCode, 401);
    const operator = await createTenantUser(t, { roles: ['operator'] });
    const ops = await list(operator, `/api/v1/ops/security-events?request_id=${requestId}`);
    assert.equal(ops.status, 200);
    assert.equal(ops.body.items.length, 1);
    const [event] = ops.body.items;
    assert.deepEqual(
      [event.event_type, event.severity, event.tenant_id, event.user_id, event.ip],
      ['token_invalid', 'medium', null, null, '198.51.100.23'],
    );
    const admin = await createTenantUser(t);
    const seen = await list(admin, `/api/v1/admin/security-events?request_id=${requestId}`);
    assert.deepEqual(seen.body.items, []);
  });

  test('operators list every tenant, filter by tenant, and page through', async () => {
    const admin = await createTenantUser(t);
    const user = await createTenantUser(t, { tenantId: admin.tenantId, roles: ['user'] });
    for (let i = 0; i < 5; i++) assert.equal((await list(user, '/api/v1/admin/audit-log')).status, 403);
    const operator = await createTenantUser(t, { roles: ['operator'] });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `/api/v1/ops/security-events?tenant_id=${admin.tenantId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await list(operator, url);
      assert.equal(page.status, 200);
      for (const item of page.body.items) {
        assert.equal(item.tenant_id, admin.tenantId);
        assert.equal(item.user_id, user.userId);
        seen.push(item.id);
      }
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
    const high = await list(
      operator,
      `/api/v1/ops/security-events?tenant_id=${admin.tenantId}&severity=medium`,
    );
    assert.equal(high.body.items.length, 0);
  });

  test('the operator listing is for operators only: a tenant admin gets 403 and an event', async () => {
    const admin = await createTenantUser(t);
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/ops/security-events',
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 403);
    const [event] = await storedByRequest(res.headers['x-request-id'] as string);
    assert.equal(event?.event_type, 'unauthorized_access_attempt');
    assert.equal(event?.tenant_id, admin.tenantId);
    assert.equal(event?.user_id, admin.userId);
  });

  test('security_events_total has a series at 0 for every event type from the start', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    for (const [type, severity] of [
      ['ssrf_blocked', 'medium'],
      ['refresh_token_reuse', 'high'],
      ['data_exfiltration_attempt', 'high'],
    ]) {
      assert.match(
        res.body,
        new RegExp(`security_events_total\\{event_type="${type}",severity="${severity}"\\} 0`),
      );
    }
  });

  test("each event is one structured log line with its type (security_ prefixed), severity, ip, user, tenant and request id in the API's names", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const recorder = createSecurityEventRecorder({ db: t.db, log: pino(sink) });
    const admin = await createTenantUser(t);
    const requestId = `log-${randomUUID()}`;
    await recorder.record({
      serverRequestId: undefined,
      type: 'suspicious_api_usage',
      description: 'Unusual API usage',
      ip: '192.0.2.44',
      userId: admin.userId,
      tenantId: admin.tenantId,
      requestId,
    });
    await recorder.close();
    const line = lines.find((l) => l.request_id === requestId);
    assert.deepEqual(
      [line?.event_type, line?.severity, line?.ip, line?.user_id, line?.tenant_id, line?.msg],
      [
        'security_suspicious_api_usage',
        'high',
        '192.0.2.44',
        admin.userId,
        admin.tenantId,
        'Unusual API usage',
      ],
    );
    assert.equal(line?.ip_address, undefined, "the API's field names in the log: ip, not ip_address");
    const [stored] = await storedByRequest(requestId);
    assert.equal(stored?.description, 'Unusual API usage');
    // Only the log carries the seed's prefix (docs/logging.md); the stored event does not.
    assert.equal(stored?.event_type, 'suspicious_api_usage');
  });

  test('an event naming an unknown tenant or a malformed user id is still stored, without them', async () => {
    const recorder = createSecurityEventRecorder({ db: t.db, log: silent });
    const requestId = `odd-${randomUUID()}`;
    const ghost = randomUUID();
    await recorder.record({
      serverRequestId: undefined,
      type: 'token_revoked',
      description: 'x',
      tenantId: ghost,
      userId: 'nobody',
      requestId,
    });
    await recorder.close();
    const [stored] = await storedByRequest(requestId);
    assert.equal(stored?.tenant_id, null);
    assert.equal(stored?.user_id, null);
    assert.deepEqual(stored?.details, { claimed_tenant_id: ghost, claimed_user_id: 'nobody' });
  });

  test('a burst of events is stored in far fewer transactions than events', async () => {
    let transactions = 0;
    const counting: Database = {
      ...t.db,
      withTenant: (tenantId, fn) => {
        transactions++;
        return t.db.withTenant(tenantId, fn);
      },
    };
    // Every event a row of its own (no flood rule): what is measured here is the batching.
    const recorder = createSecurityEventRecorder({ db: counting, log: silent, floodWindowMs: 0 });
    const marker = `burst-${randomUUID()}`;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        recorder.record({
          serverRequestId: undefined,
          type: 'rate_limited',
          description: 'x',
          requestId: `${marker}-${i}`,
        }),
      ),
    );
    await recorder.close();
    const { rows } = await t.db.withOwner((q) =>
      q.query('SELECT id FROM security_events WHERE request_id LIKE $1', [`${marker}-%`]),
    );
    assert.equal(rows.length, 100);
    assert.ok(transactions <= 10, `${transactions} transactions`);
  });

  test('while the database is unreachable events wait in the queue; they are stored once it is back', async () => {
    let down = true;
    const flaky: Database = {
      ...t.db,
      withTenant: (tenantId, fn) =>
        down ? Promise.reject(new Error('connect ECONNREFUSED')) : t.db.withTenant(tenantId, fn),
      ping: () => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : t.db.ping()),
    };
    const writer = createSecurityEventWriter({ db: flaky, log: silent });
    const requestId = `outage-${randomUUID()}`;
    const row = {
      tenant_id: null,
      occurred_at: new Date().toISOString(),
      event_type: 'ip_blocked',
      severity: 'medium',
      ip: '192.0.2.9',
      user_id: null,
      request_id: requestId,
      description: 'blocked',
      details: {},
      count: 1,
    };
    // The caller is released although nothing could be stored.
    await writer.write(row);
    assert.equal((await storedByRequest(requestId)).length, 0);
    down = false;
    await writer.close();
    assert.equal((await storedByRequest(requestId)).length, 1);
  });
});
