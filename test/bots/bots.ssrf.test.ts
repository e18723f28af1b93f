// SSRF through the API (DEBUG=false): internal targets are refused when a URL is stored and when one
// is tested, with one uniform 422 and an `ssrf_blocked` security event. The network guard makes any
// socket or DNS query beyond loopback fail here, so a wrong refusal cannot reach a real host.
import '../platform/http/fixtures/network-guard.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { networkViolations } from '../platform/http/fixtures/network-guard.ts';
import type { Caller } from './bots.fixtures.ts';
import { as, createBot, PUBLIC_URL, validBot } from './bots.fixtures.ts';

const TOKEN = 'secret-token-0123456789';
const UNIFORM = { detail: 'URL is not allowed', code: 'URL_NOT_ALLOWED' };

// Every spelling here is an IP literal or a name refused without DNS: no lookup is needed to refuse.
const REFUSED = [
  'http://127.0.0.1/',
  'http://127.0.0.1:8000/api/v1/bots',
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:7f00:1]/',
  'http://[::1]/',
  'http://[::]/',
  'http://0x7f000001/',
  'http://2130706433/',
  'http://0177.0.0.1/',
  'http://127.1/',
  'http://0/',
  'http://0.0.0.0/',
  'http://10.0.0.1/',
  'http://172.16.0.1/',
  'http://192.168.1.1/',
  'http://100.64.0.1/',
  'http://[fd00:ec2::254]/',
  'http://[64:ff9b::a9fe:a9fe]/',
  'http://[2002:7f00:1::]/',
  'http://localhost/',
  'http://LOCALHOST./',
  'http://a.localhost/',
  'http://user:pass@93.184.215.14/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'ftp://93.184.215.14/',
  'not a url',
];

describe('SSRF refusals through the API (DEBUG=false)', () => {
  let t: TestApp;
  let alice: TestIdentity;
  let api: Caller;
  const seen: Awaited<ReturnType<Caller['get']>>[] = [];

  before(async () => {
    t = await buildTestApp({ DEBUG: 'false' });
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
    api = as(t, alice, seen);
  });
  after(async () => {
    await t.close();
    for (const res of seen) assert.ok(!res.body.includes(TOKEN));
    assert.deepEqual(networkViolations(), []);
  });

  async function ssrfEvents(requestId: unknown) {
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ user_id: string; ip: string; tenant_id: string; details: Record<string, unknown> }>(
        "SELECT user_id, ip, tenant_id, details FROM security_events WHERE event_type = 'ssrf_blocked' AND request_id = $1",
        [requestId],
      ),
    );
    return rows;
  }

  test('POST /external-bots/test-connection refuses every internal target with one uniform 422 and an event', async () => {
    for (const url of REFUSED) {
      const res = await api.post('/external-bots/test-connection', { api_url: url, api_token: TOKEN });
      assert.equal(res.statusCode, 422, url);
      assert.deepEqual(res.json(), UNIFORM, url);
      const events = await ssrfEvents(res.headers['x-request-id']);
      assert.equal(events.length, 1, url);
      assert.equal(events[0]?.user_id, alice.userId);
      assert.equal(events[0]?.tenant_id, alice.tenantId);
      assert.equal(events[0]?.ip, '127.0.0.1');
      assert.equal(typeof events[0]?.details.reason, 'string');
      assert.equal(events[0]?.details.phase, 'test');
      assert.ok(!JSON.stringify(events).includes(TOKEN));
    }
  });

  test('POST /bots refuses to store an internal api_url: uniform 422, event, no bot', async () => {
    for (const url of REFUSED) {
      const res = await api.post('/bots', validBot({ kind: 'external', api_url: url, api_token: TOKEN }));
      assert.equal(res.statusCode, 422, url);
      assert.deepEqual(res.json(), UNIFORM, url);
      const events = await ssrfEvents(res.headers['x-request-id']);
      assert.equal(events.length, 1, url);
      assert.equal(events[0]?.details.phase, 'store');
    }
    assert.deepEqual((await api.get('/bots')).json().items, []);
  });

  test('PUT /bots/{id} refuses to store an internal api_url and keeps the old one', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN });
    for (const url of ['http://169.254.169.254/', 'http://[::ffff:127.0.0.1]/', 'http://0x7f000001/']) {
      const res = await api.put(
        `/bots/${id}`,
        validBot({ kind: 'external', status: 'running', api_url: url, api_token: TOKEN }),
      );
      assert.equal(res.statusCode, 422, url);
      assert.deepEqual(res.json(), UNIFORM);
      assert.equal((await ssrfEvents(res.headers['x-request-id']))[0]?.details.bot_id, id);
    }
    assert.equal((await api.get(`/bots/${id}`)).json().api_url, PUBLIC_URL);
  });

  test('refused tests are counted as refused in outbound_connection_tests_total', async () => {
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    const match = /^outbound_connection_tests_total\{outcome="refused"\} (\d+)$/m.exec(metrics.body);
    assert.equal(Number(match?.[1]), REFUSED.length);
  });

  test('public addresses are not over-blocked when stored (172.217.0.1 is not 172.16/12)', async () => {
    for (const url of ['https://172.217.0.1/health', 'https://8.8.8.8/', 'https://[2606:4700:4700::1111]/']) {
      const res = await api.post('/bots', validBot({ kind: 'external', api_url: url }));
      assert.equal(res.statusCode, 201, url);
    }
  });
});
