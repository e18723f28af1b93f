// SSRF through the API (DEBUG=false): internal targets are refused when a URL is stored and when one
// is tested, with a 422 in the validation shape that says why in a user's words (and, for private
// targets, that DEBUG=true allows them in development) and an `ssrf_blocked` security event. The network guard makes any
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
import { as, createBot, PUBLIC_URL, urlRefusal, validBot } from './bots.fixtures.ts';

const TOKEN = 'secret-token-0123456789';
const DEBUG_HINT = '; DEBUG=true allows private targets in development';
const NEVER_HINT = '; this is never allowed, not even with DEBUG=true';
const isA = (words: string, hint = DEBUG_HINT) => `api_url's host is ${words}${hint}`;
const LOOPBACK = isA('a loopback address');
const METADATA = isA('a cloud metadata address', NEVER_HINT);
const PRIVATE = isA('a private network address');
const SCHEME = 'scheme not allowed: api_url must use http or https';

// Every spelling here is an IP literal or a name refused without DNS: no lookup is needed to
// refuse. Each is refused with the rule that refused it, in words, and never more than the user typed.
const REFUSED: ReadonlyArray<readonly [url: string, msg: string]> = [
  ['http://127.0.0.1/', LOOPBACK],
  ['http://127.0.0.1:8000/api/v1/bots', LOOPBACK],
  ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', METADATA],
  ['http://[::ffff:127.0.0.1]/', LOOPBACK],
  ['http://[::ffff:7f00:1]/', LOOPBACK],
  ['http://[::1]/', LOOPBACK],
  ['http://[::]/', isA('an unspecified address')],
  ['http://0x7f000001/', LOOPBACK],
  ['http://2130706433/', LOOPBACK],
  ['http://0177.0.0.1/', LOOPBACK],
  ['http://127.1/', LOOPBACK],
  ['http://0/', isA('an unspecified address')],
  ['http://0.0.0.0/', isA('an unspecified address')],
  ['http://10.0.0.1/', PRIVATE],
  ['http://172.16.0.1/', PRIVATE],
  ['http://192.168.1.1/', PRIVATE],
  ['http://[fd12:3456::1]/', PRIVATE],
  ['http://169.254.1.1/', isA('a link-local address')],
  ['http://[fe80::1]/', isA('a link-local address')],
  ['http://100.64.0.1/', isA('a shared (carrier-grade NAT) address')],
  ['http://[fd00:ec2::254]/', METADATA],
  ['http://[64:ff9b::a9fe:a9fe]/', METADATA],
  ['http://[2002:7f00:1::]/', isA('a 6to4 tunnel address')],
  ['http://localhost/', isA('localhost, a loopback address')],
  ['http://LOCALHOST./', isA('localhost, a loopback address')],
  ['http://a.localhost/', isA('localhost, a loopback address')],
  ['http://user:pass@93.184.215.14/', 'api_url must not contain a user name or password'],
  ['file:///etc/passwd', SCHEME],
  ['gopher://127.0.0.1:6379/_FLUSHALL', SCHEME],
  ['ftp://93.184.215.14/', SCHEME],
  ['not a url', 'api_url is not a valid absolute URL'],
];

const TYPES: Record<string, string> = {
  [SCHEME]: 'url_scheme',
  'api_url must not contain a user name or password': 'url_userinfo',
  'api_url is not a valid absolute URL': 'url_parsing',
};

/** The contract's validation shape for a refused api_url: where, why in words, and a type. */
const refusal = (msg: string) => urlRefusal(msg, { type: TYPES[msg] ?? 'url_host_not_allowed' });

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

  test('POST /external-bots/test-connection refuses every internal target with a 422 saying why, and an event', async () => {
    for (const [url, msg] of REFUSED) {
      const res = await api.post('/external-bots/test-connection', { api_url: url, api_token: TOKEN });
      assert.equal(res.statusCode, 422, url);
      assert.deepEqual(res.json(), refusal(msg), url);
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

  test('POST /bots refuses to store an internal api_url: 422 saying why, event, no bot', async () => {
    for (const [url, msg] of REFUSED) {
      const res = await api.post('/bots', validBot({ kind: 'external', api_url: url, api_token: TOKEN }));
      assert.equal(res.statusCode, 422, url);
      assert.deepEqual(res.json(), refusal(msg), url);
      const events = await ssrfEvents(res.headers['x-request-id']);
      assert.equal(events.length, 1, url);
      assert.equal(events[0]?.details.phase, 'store');
    }
    assert.deepEqual((await api.get('/bots')).json().items, []);
  });

  test('PUT /bots/{id} refuses to store an internal api_url and keeps the old one', async () => {
    const id = await createBot(api, { kind: 'external', api_url: PUBLIC_URL, api_token: TOKEN });
    const urls = [
      ['http://169.254.169.254/', METADATA],
      ['http://[::ffff:127.0.0.1]/', LOOPBACK],
      ['http://0x7f000001/', LOOPBACK],
    ] as const;
    for (const [url, msg] of urls) {
      const res = await api.put(
        `/bots/${id}`,
        validBot({ kind: 'external', status: 'running', api_url: url, api_token: TOKEN }),
      );
      assert.equal(res.statusCode, 422, url);
      assert.deepEqual(res.json(), refusal(msg));
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
