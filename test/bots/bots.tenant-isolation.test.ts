// Tenant isolation on every bot and subscription route: another tenant's id answers exactly like a
// random id (404, same body), and nothing of the other tenant changes or shows.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { Caller } from './bots.fixtures.ts';
import { as, createBot, PUBLIC_URL, validBot } from './bots.fixtures.ts';

describe('tenant isolation of bots and subscriptions', () => {
  let t: TestApp;
  let alice: TestIdentity;
  let mallory: TestIdentity;
  let aliceApi: Caller;
  let malloryApi: Caller;
  let aliceBot: string;
  let aliceSubscription: string;

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    alice = await createTenantUser(t);
    mallory = await createTenantUser(t); // admin of another tenant
    aliceApi = as(t, alice);
    malloryApi = as(t, mallory);
    aliceBot = await createBot(aliceApi, {
      kind: 'external',
      api_url: PUBLIC_URL,
      api_token: 'alice-token-0123456789',
    });
    aliceSubscription = (await aliceApi.post('/subscriptions', { bot_id: aliceBot, plan: 'pro' })).json().id;
    await createBot(malloryApi, { name: 'mallory bot' });
  });
  after(() => t.close());

  /** Each bot route, for a given id, as the other tenant would call it. */
  const botRoutes = (id: string): [string, () => ReturnType<Caller['get']>][] => [
    ['GET', () => malloryApi.get(`/bots/${id}`)],
    ['PUT', () => malloryApi.put(`/bots/${id}`, validBot({ status: 'running', name: 'pwned' }))],
    ['PATCH', () => malloryApi.patch(`/bots/${id}`, { name: 'pwned', api_token: null })],
    ['DELETE', () => malloryApi.delete(`/bots/${id}`)],
    ['POST test-connection', () => malloryApi.post(`/bots/${id}/test-connection`)],
  ];

  test("another tenant's bot id is a 404 identical to a random id's on every bot route", async () => {
    const random = randomUUID();
    const foreign = botRoutes(aliceBot);
    const unknown = botRoutes(random);
    for (let i = 0; i < foreign.length; i++) {
      const [name, call] = foreign[i] as [string, () => ReturnType<Caller['get']>];
      const res = await call();
      const baseline = await (unknown[i] as [string, () => ReturnType<Caller['get']>])[1]();
      assert.equal(res.statusCode, 404, name);
      assert.equal(res.body, baseline.body, name);
      assert.equal(res.headers['content-type'], baseline.headers['content-type'], name);
    }
  });

  test("the other tenant's attempts changed nothing", async () => {
    const bot = (await aliceApi.get(`/bots/${aliceBot}`)).json();
    assert.equal(bot.name, 'Momentum');
    assert.equal(bot.status, 'stopped');
    assert.equal(bot.has_api_token, true);
  });

  test('a tenant lists only its own bots', async () => {
    const mine = (await malloryApi.get('/bots?limit=100')).json().items;
    assert.deepEqual(
      mine.map((b: { name: string }) => b.name),
      ['mallory bot'],
    );
    const theirs = (await aliceApi.get('/bots?limit=100')).json().items;
    assert.ok(theirs.every((b: { name: string }) => b.name !== 'mallory bot'));
  });

  test("a filtered list shows none of another tenant's bots, even one with the same name", async () => {
    const alices = await createBot(aliceApi, { name: 'Twin grid' });
    const mallorys = await createBot(malloryApi, { name: 'Twin grid' });
    for (const query of ['q=twin', 'q=Twin%20grid&kind=internal', 'q=TWIN&kind=internal&status=stopped']) {
      const mine = (await malloryApi.get(`/bots?${query}`)).json();
      assert.deepEqual(
        mine.items.map((b: { id: string }) => b.id),
        [mallorys],
        query,
      );
      assert.equal(mine.next_cursor, null, query);
      const theirs = (await aliceApi.get(`/bots?${query}`)).json();
      assert.deepEqual(
        theirs.items.map((b: { id: string }) => b.id),
        [alices],
        query,
      );
    }
  });

  test("a cursor from another tenant's list reveals none of that tenant's bots", async () => {
    const page = (await aliceApi.get('/bots?limit=1')).json();
    const res = await malloryApi.get(`/bots?cursor=${page.next_cursor ?? ''}`);
    assert.ok(res.statusCode === 200 || res.statusCode === 422);
    if (res.statusCode === 200) {
      assert.ok(res.json().items.every((b: { id: string }) => b.id !== aliceBot));
    }
  });

  test("subscribing to another tenant's bot is a 404 identical to an unknown bot", async () => {
    const foreign = await malloryApi.post('/subscriptions', { bot_id: aliceBot, plan: 'free' });
    const unknown = await malloryApi.post('/subscriptions', { bot_id: randomUUID(), plan: 'free' });
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.body, unknown.body);
    const stored = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query('SELECT id FROM subscriptions WHERE bot_id = $1', [aliceBot]),
    );
    assert.equal(stored.rows.length, 1);
  });

  test("another tenant's subscription id is a 404 identical to a random id's", async () => {
    const random = randomUUID();
    for (const call of [
      (id: string) => malloryApi.get(`/subscriptions/${id}`),
      (id: string) => malloryApi.delete(`/subscriptions/${id}`),
    ]) {
      const foreign = await call(aliceSubscription);
      const unknown = await call(random);
      assert.equal(foreign.statusCode, 404);
      assert.equal(foreign.body, unknown.body);
    }
    assert.deepEqual((await malloryApi.get('/subscriptions')).json(), { items: [], next_cursor: null });
    assert.equal((await aliceApi.get(`/subscriptions/${aliceSubscription}`)).json().status, 'active');
  });
});
