// Each detection maps to its response, and each response is itself a recorded security event.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createSecurityEventRecorder } from '../../src/features/audit/security-events.ts';
import { createAlertDispatcher } from '../../src/features/protection/alerts.ts';
import { createAutomatedResponse, throttleKey } from '../../src/features/protection/automated-response.ts';
import { blockKey, createIpBlocks } from '../../src/features/protection/ip-blocks.ts';
import { createUserThrottles } from '../../src/features/protection/throttles.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

const IP_90 = testIp();
const IP_91 = testIp();
const IP_92 = testIp();

describe('automated response', () => {
  let t: TestApp;
  let user: TestIdentity;
  const alertsReceived: string[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      alertsReceived.push(JSON.parse(body).event_type);
      res.writeHead(204).end();
    });
  });

  before(async () => {
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    t = await buildTestApp();
    await t.app.ready();
    user = await createTenantUser(t, { roles: ['user'] });
  });
  after(async () => {
    receiver.close();
    await t?.close();
  });

  function wire() {
    const log = pino({ level: 'silent' });
    const metrics = createMetrics({ collectProcessMetrics: false });
    const securityEvents = createSecurityEventRecorder({ db: t.db, log });
    const ipBlocks = createIpBlocks({ db: t.db, store: t.store });
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`;
    const alerts = createAlertDispatcher({ url, secret: 's', log, metrics, store: t.store, baseDelayMs: 5 });
    securityEvents.onEvent(
      createAutomatedResponse({
        config: t.config,
        store: t.store,
        metrics,
        ipBlocks,
        throttles: createUserThrottles({ db: t.db, store: t.store }),
        securityEvents,
        alerts,
      }),
    );
    return { securityEvents, alerts, ipBlocks };
  }

  test('brute_force_detected blocks the IP for IP_BLOCK_SECONDS, records ip_blocked and alerts', async () => {
    const { securityEvents, alerts, ipBlocks } = wire();
    alertsReceived.length = 0;
    const ip = IP_90;
    await securityEvents.record({
      serverRequestId: undefined,
      type: 'brute_force_detected',
      description: 'Multiple failed login attempts detected',
      ip,
      tenantId: user.tenantId,
      userId: user.userId,
    });
    assert.equal(await t.store.exists(blockKey(ip)), true);
    const ttl = (await t.store.ttl(blockKey(ip))) ?? 0;
    assert.ok(ttl > (t.config.ipBlockSeconds - 5) * 1000 && ttl <= t.config.ipBlockSeconds * 1000);
    const events = await t.db.withTenant(user.tenantId, (tx) =>
      tx.query<{ event_type: string; severity: string }>(
        'SELECT event_type, severity FROM security_events WHERE ip = $1 ORDER BY id',
        [ip],
      ),
    );
    assert.deepEqual(
      events.rows.map((e) => e.event_type),
      ['brute_force_detected', 'ip_blocked'],
    );
    assert.equal(events.rows[0]?.severity, 'high');
    await alerts.drain();
    assert.deepEqual(alertsReceived, ['security_brute_force_detected'], 'only the critical event is alerted');
    await ipBlocks.lift(ip);
  });

  test('suspicious_api_usage throttles the user for USER_RATE_LIMIT_SECONDS and records user_throttled', async () => {
    const { securityEvents, alerts } = wire();
    alertsReceived.length = 0;
    await securityEvents.record({
      serverRequestId: undefined,
      type: 'suspicious_api_usage',
      description: 'Unusually high API usage detected',
      ip: IP_91,
      tenantId: user.tenantId,
      userId: user.userId,
    });
    const ttl = (await t.store.ttl(throttleKey(user.userId))) ?? 0;
    assert.ok(ttl > (t.config.userRateLimitSeconds - 5) * 1000);
    const events = await t.db.withTenant(user.tenantId, (tx) =>
      tx.query<{ event_type: string }>(
        'SELECT event_type FROM security_events WHERE user_id = $1 ORDER BY id',
        [user.userId],
      ),
    );
    assert.ok(events.rows.some((e) => e.event_type === 'user_throttled'));
    await alerts.drain();
    assert.deepEqual(alertsReceived, ['security_suspicious_api_usage']);
    await t.store.delete(throttleKey(user.userId));
  });

  test('a non-critical event gets no response and no alert', async () => {
    const { securityEvents, alerts } = wire();
    alertsReceived.length = 0;
    await securityEvents.record({
      serverRequestId: undefined,
      type: 'token_invalid',
      description: 'Invalid JWT token',
      ip: IP_92,
    });
    await alerts.drain();
    await sleep(20);
    assert.deepEqual(alertsReceived, []);
    assert.equal(await t.store.exists(blockKey(IP_92)), false);
  });
});
