// Connection tests against a fake bot on 127.0.0.1 (DEBUG=true lets the service reach loopback).
// The network guard makes any socket or DNS query beyond loopback fail in this process.
import '../platform/http/fixtures/network-guard.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { FakeBot, Route } from '../platform/http/fixtures/fake-bot-server.ts';
import {
  BOT_TOKEN,
  healthRoute,
  REMOTE_SECRET,
  redirectRoute,
  startFakeBot,
} from '../platform/http/fixtures/fake-bot-server.ts';
import { networkViolations } from '../platform/http/fixtures/network-guard.ts';
import type { Caller } from './bots.fixtures.ts';
import { as, createBot, urlRefusal } from './bots.fixtures.ts';

const RESULT_KEYS = ['latency_ms', 'ok', 'status_code'];

/** Counts `outbound_connection_tests_total` by outcome, from the app's own /metrics. */
async function outcomes(t: TestApp): Promise<Record<string, number>> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  const counts: Record<string, number> = {};
  for (const match of res.body.matchAll(/^outbound_connection_tests_total\{outcome="(\w+)"\} (\d+)$/gm)) {
    counts[match[1] as string] = Number(match[2]);
  }
  return counts;
}

describe('connection tests against a local fake bot (DEBUG=true)', () => {
  let t: TestApp;
  let fake: FakeBot;
  let alice: TestIdentity;
  let api: Caller;
  const seen: Awaited<ReturnType<Caller['get']>>[] = [];

  before(async () => {
    fake = await startFakeBot({
      '/health': healthRoute,
      '/hop': redirectRoute('/health'),
      '/to-metadata': redirectRoute('http://169.254.169.254/latest/meta-data/'),
    });
    t = await buildTestApp({ DEBUG: 'true' });
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
    api = as(t, alice, seen);
  });
  after(async () => {
    await t.close();
    await fake.close();
    // No response of this suite carried the token or the remote body.
    for (const res of seen) {
      assert.ok(!res.body.includes(BOT_TOKEN));
      assert.ok(!res.body.includes(REMOTE_SECRET));
    }
    assert.deepEqual(networkViolations(), []);
  });

  test('POST /external-bots/test-connection sends the bearer token and reports only status and latency', async () => {
    const before = (await outcomes(t)).ok ?? 0;
    const res = await api.post('/external-bots/test-connection', {
      api_url: `${fake.origin}/health`,
      api_token: BOT_TOKEN,
    });
    assert.equal(res.statusCode, 200);
    const result = res.json();
    assert.deepEqual(Object.keys(result).sort(), RESULT_KEYS);
    assert.equal(result.ok, true);
    assert.equal(result.status_code, 200);
    assert.ok(Number.isInteger(result.latency_ms) && result.latency_ms >= 0);
    assert.equal(fake.received.at(-1)?.authorization, `Bearer ${BOT_TOKEN}`);
    assert.equal((await outcomes(t)).ok, before + 1);
  });

  test('a bot refusing the token is reported as not ok with its status code, not as an error', async () => {
    const res = await api.post('/external-bots/test-connection', {
      api_url: `${fake.origin}/health`,
      api_token: 'wrong-token-0123456789',
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().ok, false);
    assert.equal(res.json().status_code, 401);
    assert.equal(res.json().error, undefined);
  });

  test('an unreachable bot is a failed test with a fixed error category, counted as failed', async () => {
    const closed = await startFakeBot({});
    await closed.close();
    const before = (await outcomes(t)).failed ?? 0;
    const res = await api.post('/external-bots/test-connection', {
      api_url: `${closed.origin}/health`,
      api_token: BOT_TOKEN,
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      ok: false,
      status_code: null,
      latency_ms: res.json().latency_ms,
      error: 'connection_failed',
    });
    assert.equal((await outcomes(t)).failed, before + 1);
  });

  test('the token rules apply to the external test too', async () => {
    const res = await api.post('/external-bots/test-connection', {
      api_url: `${fake.origin}/health`,
      api_token: 'short',
    });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().detail[0].msg, 'API token too short');
  });

  test('POST /bots/{id}/test-connection uses the stored URL and the decrypted token', async () => {
    const id = await createBot(api, {
      kind: 'external',
      api_url: `${fake.origin}/hop`,
      api_token: BOT_TOKEN,
    });
    const received = fake.received.length;
    const res = await api.post(`/bots/${id}/test-connection`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().ok, true);
    assert.deepEqual(
      fake.received.slice(received).map((r) => [r.path, r.authorization]),
      [
        ['/hop', `Bearer ${BOT_TOKEN}`],
        ['/health', `Bearer ${BOT_TOKEN}`],
      ],
    );
  });

  test('each connection test leaves an audit record of who tested what, without URL path or token', async () => {
    const id = await createBot(api, {
      kind: 'external',
      api_url: `${fake.origin}/health`,
      api_token: BOT_TOKEN,
    });
    await api.post(`/bots/${id}/test-connection`);
    await api.post('/external-bots/test-connection', {
      api_url: `${fake.origin}/health?k=v`,
      api_token: BOT_TOKEN,
    });
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ action: string; resource_id: string | null; actor_user_id: string; changes: object }>(
        `SELECT action, resource_id, actor_user_id, changes FROM audit_log
         WHERE action IN ('bot.test_connection', 'external_bot.test_connection') ORDER BY id DESC LIMIT 2`,
      ),
    );
    assert.deepEqual(
      rows.map((r) => [r.action, r.resource_id, r.actor_user_id]),
      [
        ['external_bot.test_connection', null, alice.userId],
        ['bot.test_connection', id, alice.userId],
      ],
    );
    const text = JSON.stringify(rows);
    assert.ok(!text.includes(BOT_TOKEN) && !text.includes('k=v') && !text.includes('/health'));
  });

  test('a bot without a URL or token cannot be tested: 409, nothing sent', async () => {
    const internal = await createBot(api);
    const noToken = await createBot(api, { kind: 'external', api_url: `${fake.origin}/health` });
    const received = fake.received.length;
    for (const id of [internal, noToken]) {
      const res = await api.post(`/bots/${id}/test-connection`);
      assert.equal(res.statusCode, 409);
      assert.deepEqual(res.json(), {
        detail: 'Bot has no API URL and token to test',
        code: 'BOT_NOT_CONNECTABLE',
      });
    }
    assert.equal(fake.received.length, received);
  });

  test('the stored-bot test takes no body: fields sent anyway are refused, not ignored', async () => {
    const id = await createBot(api, {
      kind: 'external',
      api_url: `${fake.origin}/health`,
      api_token: BOT_TOKEN,
    });
    const received = fake.received.length;
    const override = await api.post(`/bots/${id}/test-connection`, { api_url: 'http://169.254.169.254/' });
    assert.equal(override.statusCode, 422);
    assert.deepEqual(override.json().detail, [
      { loc: ['body', 'api_url'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' },
    ]);
    assert.equal((await api.post(`/bots/${id}/test-connection`, [1])).statusCode, 422);
    assert.equal(fake.received.length, received);
    assert.equal((await api.post(`/bots/${id}/test-connection`, {})).json().ok, true);
  });

  test('a redirect to cloud metadata is not followed even in DEBUG: the result says so in words, ssrf_blocked stored', async () => {
    const before = (await outcomes(t)).refused ?? 0;
    const received = fake.received.length;
    const res = await api.post('/external-bots/test-connection', {
      api_url: `${fake.origin}/to-metadata`,
      api_token: BOT_TOKEN,
    });
    assert.equal(res.statusCode, 200);
    const { latency_ms: latency, ...result } = res.json();
    assert.ok(Number.isInteger(latency));
    assert.deepEqual(result, {
      ok: false,
      status_code: 302,
      error: 'redirect_refused',
      detail:
        "The bot answered with a redirect that was not followed: the redirect target's host is a cloud " +
        'metadata address; this is never allowed, not even with DEBUG=true',
    });
    assert.equal(fake.received.length, received + 1);
    assert.ok(!res.body.includes('169.254'));
    assert.equal((await outcomes(t)).refused, before + 1);
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ request_id: string; user_id: string; ip: string; details: { reason: string } }>(
        "SELECT request_id, user_id, ip, details FROM security_events WHERE event_type = 'ssrf_blocked' AND request_id = $1",
        [res.headers['x-request-id']],
      ),
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.user_id, alice.userId);
    assert.equal(rows[0]?.ip, '127.0.0.1');
    assert.equal(rows[0]?.details.reason, 'redirect:literal:cloud_metadata');
    assert.ok(!JSON.stringify(rows).includes(BOT_TOKEN));
  });

  test('a stored bot redirecting to cloud metadata gets the same result, and its audit record says 200', async () => {
    const id = await createBot(api, {
      kind: 'external',
      api_url: `${fake.origin}/to-metadata`,
      api_token: BOT_TOKEN,
    });
    const res = await api.post(`/bots/${id}/test-connection`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().error, 'redirect_refused');
    assert.match(res.json().detail, /cloud metadata address/);
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ status: number }>('SELECT status FROM audit_log WHERE request_id = $1', [
        res.headers['x-request-id'],
      ]),
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      [200],
    );
  });

  test('even in DEBUG, a cloud metadata api_url is refused with words that say DEBUG does not open it', async () => {
    const res = await api.post('/bots', {
      name: 'Meta',
      kind: 'external',
      exchange: 'binance',
      strategy: 'grid',
      api_url: 'http://169.254.169.254/latest/meta-data/',
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(
      res.json(),
      urlRefusal(
        "api_url's host is a cloud metadata address; this is never allowed, not even with DEBUG=true",
      ),
    );
  });
});

describe('the stored URL is checked again at use', () => {
  test('a loopback bot stored under DEBUG=true is refused once DEBUG is off, saying why, and never called', async () => {
    const fake = await startFakeBot({ '/health': healthRoute as Route });
    const debug = await buildTestApp({ DEBUG: 'true' });
    const strict = await buildTestApp({ DEBUG: 'false' }, { db: debug.db });
    try {
      await Promise.all([debug.app.ready(), strict.app.ready()]);
      const alice = await createTenantUser(debug, { roles: ['user'] });
      const id = await createBot(as(debug, alice), {
        kind: 'external',
        api_url: `${fake.origin}/health`,
        api_token: BOT_TOKEN,
      });
      const res = await as(strict, alice).post(`/bots/${id}/test-connection`);
      assert.equal(res.statusCode, 422);
      // No body was sent: the refused URL is the bot's stored one, and the words say so.
      assert.deepEqual(
        res.json(),
        urlRefusal(
          "the stored api_url's host is a loopback address; DEBUG=true allows private targets in development",
          { loc: ['bot', 'api_url'] },
        ),
      );
      assert.equal(fake.received.length, 0);
      const { rows } = await strict.db.withTenant(alice.tenantId, (tx) =>
        tx.query<{ details: { bot_id: string; phase: string } }>(
          "SELECT details FROM security_events WHERE event_type = 'ssrf_blocked'",
        ),
      );
      assert.deepEqual(
        rows.map((r) => [r.details.bot_id, r.details.phase]),
        [[id, 'test']],
      );
    } finally {
      await strict.close();
      await debug.close();
      await fake.close();
    }
  });
});
