// The alert webhook as a receiver sees it: signed JSON, retried with backoff, never blocking.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { SecurityEvent } from '../../src/features/audit/security-events.ts';
import {
  alertSecret,
  createAlertDispatcher,
  SIGNATURE_HEADER,
} from '../../src/features/protection/alerts.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { createMemoryStore } from '../../src/platform/store/memory.ts';
import { testIp } from '../helpers/addresses.ts';

const IP_7 = testIp();

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

const SECRET = 'whsec-test-0123456789';

function verify(signature: string, body: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
  if (!match) return false;
  const expected = createHmac('sha256', SECRET).update(`${match[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex'));
}

const event = (): SecurityEvent => ({
  serverRequestId: undefined,
  type: 'brute_force_detected',
  description: 'Multiple failed login attempts detected',
  severity: 'high',
  occurredAt: new Date('2026-11-28T10:00:00Z'),
  ip: IP_7,
  userId: '6f1c2a8e-1111-4222-8333-944455556666',
  tenantId: '7f1c2a8e-1111-4222-8333-944455556666',
  requestId: 'req-12345678',
  details: { attempts: 5 },
});

describe('alert webhook', () => {
  const received: Received[] = [];
  let failuresLeft = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(503).end();
      } else res.writeHead(204).end();
    });
  });
  let url = '';

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  after(() => server.close());

  test('posts the event as JSON with an HMAC signature the receiver can verify', async () => {
    received.length = 0;
    const metrics = createMetrics({ collectProcessMetrics: false });
    const alerts = createAlertDispatcher({
      url,
      secret: SECRET,
      log: pino({ level: 'silent' }),
      metrics,
      store: createMemoryStore(),
    });
    alerts.send(event());
    await alerts.drain();
    assert.equal(received.length, 1);
    const [delivery] = received as [Received];
    assert.equal(delivery.headers['content-type'], 'application/json');
    assert.ok(verify(String(delivery.headers[SIGNATURE_HEADER]), delivery.body), 'signature verifies');
    assert.ok(
      !verify(String(delivery.headers[SIGNATURE_HEADER]), `${delivery.body} `),
      'a changed body does not',
    );
    const body = JSON.parse(delivery.body);
    assert.equal(body.event_type, 'security_brute_force_detected');
    assert.equal(body.severity, 'high');
    assert.equal(body.ip_address, IP_7);
    assert.equal(body.details.attempts, 5);
    assert.equal(body.id, delivery.headers['x-tradewise-event-id']);
    assert.equal((await metrics.alertsSent.get()).values.find((v) => v.labels.outcome === 'sent')?.value, 1);
  });

  test('retries with backoff while the receiver fails, then delivers', async () => {
    received.length = 0;
    failuresLeft = 2;
    const metrics = createMetrics({ collectProcessMetrics: false });
    const alerts = createAlertDispatcher({
      url,
      secret: SECRET,
      log: pino({ level: 'silent' }),
      metrics,
      store: createMemoryStore(),
      baseDelayMs: 20,
    });
    alerts.send(event());
    await alerts.drain();
    assert.equal(received.length, 3);
    assert.equal(
      new Set(received.map((r) => r.headers['x-tradewise-event-id'])).size,
      1,
      'same event id each try',
    );
  });

  test('gives up after the last attempt and counts the failure', async () => {
    received.length = 0;
    failuresLeft = 10;
    const metrics = createMetrics({ collectProcessMetrics: false });
    const alerts = createAlertDispatcher({
      url,
      secret: SECRET,
      log: pino({ level: 'silent' }),
      metrics,
      store: createMemoryStore(),
      baseDelayMs: 5,
      maxAttempts: 3,
    });
    alerts.send(event());
    await alerts.drain();
    failuresLeft = 0;
    assert.equal(received.length, 3);
    assert.equal(
      (await metrics.alertsSent.get()).values.find((v) => v.labels.outcome === 'failed')?.value,
      1,
    );
  });

  test('send returns at once: the caller never waits for the receiver', async () => {
    const metrics = createMetrics({ collectProcessMetrics: false });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const alerts = createAlertDispatcher({
      url,
      secret: SECRET,
      log: pino({ level: 'silent' }),
      metrics,
      store: createMemoryStore(),
      fetchImpl: async () => {
        await gate;
        return new Response(null, { status: 204 });
      },
    });
    let returned = false;
    alerts.send(event());
    returned = true;
    assert.ok(returned);
    release();
    await alerts.drain();
  });

  test('without ALERT_WEBHOOK_SECRET the signing key is derived from SECRET_KEY, stable and distinct', () => {
    assert.equal(alertSecret(undefined, ['key-one']), alertSecret(undefined, ['key-one']));
    assert.notEqual(alertSecret(undefined, ['key-one']), alertSecret(undefined, ['key-two']));
    assert.notEqual(alertSecret(undefined, ['key-one']), 'key-one');
    assert.equal(alertSecret('configured', ['key-one']), 'configured');
  });
});
