// Issue 14, item 11: a client's X-Request-ID is kept (echoed, and in the trail for correlation with
// the client's own logs), but the trail also holds the server's own id for every request, so a
// client cannot forge or collide another request's id in the audit log, the security events or
// the access log (OWASP ASVS 4.0.3 V7.1.3: log entries carry information the client cannot forge).
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestDatabase, serverShape } from '../helpers/app.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { BULK_ENV, createBot } from './audit-kit.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe(`server request ids beside the client's X-Request-ID (${shape})`, () => {
  let t: TestApp;
  const lines: Record<string, unknown>[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line));
        done();
      },
    });
    const db = await createTestDatabase({ poolSize: 10 });
    const built = await buildTestApp(BULK_ENV, { db, logger: pino({ level: 'info' }, sink) });
    t = {
      ...built,
      async close() {
        await built.close();
        await db.close();
      },
    };
    await t.app.ready();
  });
  after(() => t.close());

  const owner = (sql: string, params: unknown[]) =>
    t.db.withOwner((q) => q.query<Record<string, unknown>>(sql, params));

  test('two requests with the same client X-Request-ID get two audit records with distinct server ids', async () => {
    const admin = await createTenantUser(t);
    const clientId = `client-chosen-${Date.now()}`;
    const responses = [];
    for (let i = 0; i < 2; i++) {
      const res = await createBot(t, {
        ...admin,
        headers: { ...admin.headers, 'x-request-id': clientId } as never,
      });
      assert.equal(res.statusCode, 201);
      assert.equal(res.headers['x-request-id'], clientId);
      responses.push(res);
    }
    const { rows } = await owner(
      'SELECT request_id, server_request_id FROM audit_log WHERE tenant_id = $1 ORDER BY seq',
      [admin.tenantId],
    );
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((row) => row.request_id),
      [clientId, clientId],
    );
    const serverIds = rows.map((row) => String(row.server_request_id));
    for (const id of serverIds) assert.match(id, UUID);
    assert.notEqual(serverIds[0], serverIds[1]);

    // The admin sees both ids in the listing, and the chain covers the server id.
    const listing = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/audit-log',
      headers: admin.headers,
    });
    assert.deepEqual(
      listing.json().items.map((item: Record<string, unknown>) => [item.request_id, item.server_request_id]),
      [
        [clientId, serverIds[1]],
        [clientId, serverIds[0]],
      ],
    );
    await owner(
      "UPDATE audit_log SET server_request_id = 'forged-by-owner' WHERE tenant_id = $1 AND seq = 1",
      [admin.tenantId],
    );
    const verify = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/audit-log/verify',
      headers: admin.headers,
    });
    assert.deepEqual([verify.json().ok, verify.json().first_bad], [false, 1]);

    // Each access-log line names both ids, so a record leads to exactly one line.
    const logged = lines.filter(
      (line) => (line.msg ?? line.message) === 'request completed' && line.request_id === clientId,
    );
    assert.deepEqual(new Set(logged.map((line) => line.server_request_id)), new Set(serverIds));
  });

  test('two refusals with the same client X-Request-ID get two security events with distinct server ids', async () => {
    const admin = await createTenantUser(t);
    const user = await createTenantUser(t, { tenantId: admin.tenantId, roles: ['user'] });
    const clientId = `client-refused-${Date.now()}`;
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/admin/security-events',
        headers: { ...user.headers, 'x-request-id': clientId },
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.headers['x-request-id'], clientId);
    }
    const listing = await t.app.inject({
      method: 'GET',
      url: `/api/v1/admin/security-events?request_id=${clientId}`,
      headers: admin.headers,
    });
    const items = listing.json().items as Record<string, unknown>[];
    assert.equal(items.length, 2);
    const serverIds = items.map((item) => String(item.server_request_id));
    for (const id of serverIds) assert.match(id, UUID);
    assert.notEqual(serverIds[0], serverIds[1]);
    const eventLines = lines.filter(
      (line) => line.event_type === 'security_unauthorized_access_attempt' && line.request_id === clientId,
    );
    assert.deepEqual(new Set(eventLines.map((line) => line.server_request_id)), new Set(serverIds));
  });

  test('a refusal before authentication (forged token) also records the server id', async () => {
    const clientId = `client-forged-${Date.now()}`;
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/bots',
      headers: { authorization: 'Bearer not-a-token', 'x-request-id': clientId },
    });
    assert.equal(res.statusCode, 401);
    const { rows } = await owner('SELECT server_request_id FROM security_events WHERE request_id = $1', [
      clientId,
    ]);
    assert.equal(rows.length, 1);
    assert.match(String(rows[0]?.server_request_id), UUID);
  });
});
