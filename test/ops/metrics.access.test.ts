// Who may read /metrics: the bearer of METRICS_TOKEN when it is set; otherwise loopback peers only
// (the socket's address: X-Forwarded-For never counts). Every refusal is a stored security event.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

async function refusalEvents(t: TestApp, requestId: string) {
  const { rows } = await t.db.withOwner((q) =>
    q.query<{ event_type: string; severity: string; ip: string | null; details: unknown }>(
      'SELECT event_type, severity, ip::text AS ip, details FROM security_events WHERE request_id = $1',
      [requestId],
    ),
  );
  return rows;
}

describe('/metrics with METRICS_TOKEN set', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ METRICS_TOKEN: TOKEN });
    await t.app.ready();
  });
  after(() => t.close());

  test('the bearer of the token reads Prometheus text, from any address', async () => {
    const res = await t.app.inject({
      url: '/metrics',
      remoteAddress: '10.1.2.3',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(res.headers['cache-control'], 'no-store');
    for (const name of [
      'security_events_total',
      'failed_logins_total',
      'auth_duration_seconds',
      'active_sessions_gauge',
      'http_request_duration_seconds',
    ]) {
      assert.match(res.body, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });

  test('a missing or wrong token is 401 with WWW-Authenticate, even from loopback', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      const res = await t.app.inject({
        url: '/metrics',
        remoteAddress: '127.0.0.1',
        headers: authorization === undefined ? {} : { authorization },
      });
      assert.equal(res.statusCode, 401, String(authorization));
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      assert.equal(res.json().code, 'NOT_AUTHENTICATED');
      assert.doesNotMatch(res.body, /security_events_total/);
    }
  });

  test('a refused read is recorded as an unauthorized access attempt', async () => {
    const requestId = `metrics-refusal-${Date.now()}`;
    const res = await t.app.inject({
      url: '/metrics',
      remoteAddress: '10.9.8.7',
      headers: { authorization: 'Bearer guess', 'x-request-id': requestId },
    });
    assert.equal(res.statusCode, 401);
    const events = await refusalEvents(t, requestId);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.event_type, 'unauthorized_access_attempt');
    assert.equal(events[0]?.severity, 'high');
    assert.equal(events[0]?.ip, '10.9.8.7');
    assert.doesNotMatch(JSON.stringify(events[0]?.details), /guess/);
  });
});

describe('/metrics without METRICS_TOKEN', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ METRICS_TOKEN: undefined, TRUSTED_PROXIES: '127.0.0.1' });
    await t.app.ready();
  });
  after(() => t.close());

  test('loopback peers read it', async () => {
    for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const res = await t.app.inject({ url: '/metrics', remoteAddress });
      assert.equal(res.statusCode, 200, remoteAddress);
    }
  });

  test('other peers get 403, and a security event', async () => {
    const requestId = `metrics-remote-${Date.now()}`;
    const res = await t.app.inject({
      url: '/metrics',
      remoteAddress: '10.0.0.8',
      headers: { 'x-request-id': requestId },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'FORBIDDEN');
    const events = await refusalEvents(t, requestId);
    assert.equal(events[0]?.event_type, 'unauthorized_access_attempt');
  });

  test('a trusted proxy on loopback cannot pass a remote client off as local, nor the reverse', async () => {
    const viaProxy = await t.app.inject({
      url: '/metrics',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.5' },
    });
    // The socket peer is loopback: the proxy itself on this machine. Its forwarded client is
    // remote, so the read is refused.
    assert.equal(viaProxy.statusCode, 403);
    const spoofed = await t.app.inject({
      url: '/metrics',
      remoteAddress: '198.51.100.4',
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    assert.equal(spoofed.statusCode, 403);
  });
});
