// Subscriptions: a user's own subscriptions to bots of their tenant.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Caller } from '../bots/bots.fixtures.ts';
import { as, createBot } from '../bots/bots.fixtures.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

const KEYS = ['bot_id', 'cancelled_at', 'created_at', 'id', 'plan', 'status'];

describe('subscriptions', () => {
  let t: TestApp;
  let alice: TestIdentity;
  let bob: TestIdentity;
  let api: Caller;
  let botId: string;

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
    bob = await createTenantUser(t, { roles: ['user'], tenantId: alice.tenantId });
    api = as(t, alice);
    botId = await createBot(api);
  });
  after(() => t.close());

  test('POST /subscriptions answers 201 with an active subscription and exactly its fields', async () => {
    const res = await api.post('/subscriptions', { bot_id: botId, plan: 'pro' });
    assert.equal(res.statusCode, 201);
    const sub = res.json();
    assert.deepEqual(Object.keys(sub).sort(), KEYS);
    assert.equal(sub.bot_id, botId);
    assert.equal(sub.plan, 'pro');
    assert.equal(sub.status, 'active');
    assert.equal(sub.cancelled_at, null);
    assert.deepEqual((await api.get(`/subscriptions/${sub.id}`)).json(), sub);
  });

  test('a second active subscription to the same bot is a 409 ALREADY_SUBSCRIBED', async () => {
    const bot = await createBot(api);
    assert.equal((await api.post('/subscriptions', { bot_id: bot, plan: 'free' })).statusCode, 201);
    const dup = await api.post('/subscriptions', { bot_id: bot, plan: 'pro' });
    assert.equal(dup.statusCode, 409);
    assert.deepEqual(dup.json(), { detail: 'Already subscribed to this bot', code: 'ALREADY_SUBSCRIBED' });
  });

  test('DELETE cancels: 204 with no body, idempotent, and a new subscription is then allowed', async () => {
    const bot = await createBot(api);
    const sub = (await api.post('/subscriptions', { bot_id: bot, plan: 'free' })).json();
    const res = await api.delete(`/subscriptions/${sub.id}`);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    const cancelled = (await api.get(`/subscriptions/${sub.id}`)).json();
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(!Number.isNaN(Date.parse(cancelled.cancelled_at)));
    const again = await api.delete(`/subscriptions/${sub.id}`);
    assert.equal(again.statusCode, 204);
    assert.equal(again.body, '');
    assert.equal((await api.get(`/subscriptions/${sub.id}`)).json().cancelled_at, cancelled.cancelled_at);
    const renewed = await api.post('/subscriptions', { bot_id: bot, plan: 'pro' });
    assert.equal(renewed.statusCode, 201);
    assert.notEqual(renewed.json().id, sub.id);
  });

  test('an unknown bot is a 404 and nothing is stored', async () => {
    const res = await api.post('/subscriptions', { bot_id: randomUUID(), plan: 'free' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Bot not found', code: 'BOT_NOT_FOUND' });
  });

  test('bodies are validated: plan enum, UUID bot_id, no extra fields', async () => {
    const bad: Record<string, unknown>[] = [
      { bot_id: botId, plan: 'enterprise' },
      { bot_id: 'nope', plan: 'free' },
      { bot_id: botId },
      { bot_id: botId, plan: 'free', status: 'cancelled' },
      { bot_id: botId, plan: 'free', user_id: bob.userId },
      { bot_id: botId, plan: 'free', tenant_id: randomUUID() },
    ];
    for (const body of bad) {
      const res = await api.post('/subscriptions', body);
      assert.equal(res.statusCode, 422, JSON.stringify(body));
    }
  });

  test("a user sees only their own subscriptions; another user's id is a 404 like a random one", async () => {
    const bobApi = as(t, bob);
    const bobs = (await bobApi.post('/subscriptions', { bot_id: botId, plan: 'free' })).json();
    const mine = (await api.get('/subscriptions?limit=100')).json().items;
    assert.ok(mine.length > 0);
    assert.ok(!mine.some((s: { id: string }) => s.id === bobs.id));
    assert.deepEqual(
      (await bobApi.get('/subscriptions')).json().items.map((s: { id: string }) => s.id),
      [bobs.id],
    );
    const random = await api.get(`/subscriptions/${randomUUID()}`);
    const others = await api.get(`/subscriptions/${bobs.id}`);
    assert.equal(others.statusCode, 404);
    assert.equal(others.body, random.body);
    const cancel = await api.delete(`/subscriptions/${bobs.id}`);
    assert.equal(cancel.statusCode, 404);
    assert.equal((await bobApi.get(`/subscriptions/${bobs.id}`)).json().status, 'active');
  });

  test('the list is paginated with an opaque cursor', async () => {
    const carol = await createTenantUser(t, { roles: ['user'], tenantId: alice.tenantId });
    const carolApi = as(t, carol);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (await carolApi.post('/subscriptions', { bot_id: await createBot(api), plan: 'free' })).json().id,
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; next_cursor: string | null } = (
        await carolApi.get(`/subscriptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    assert.deepEqual(seen, ids);
    assert.equal((await carolApi.get('/subscriptions?cursor=%%%')).statusCode, 422);
  });

  test('subscribe and cancel are audited with the subscription id', async () => {
    const bot = await createBot(api);
    const sub = (await api.post('/subscriptions', { bot_id: bot, plan: 'free' })).json();
    await api.delete(`/subscriptions/${sub.id}`);
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ action: string }>('SELECT action FROM audit_log WHERE resource_id = $1 ORDER BY id', [
        sub.id,
      ]),
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['subscription.create', 'subscription.cancel'],
    );
  });
});
