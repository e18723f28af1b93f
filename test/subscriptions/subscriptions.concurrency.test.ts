// "At most one active subscription per user and bot" holds under concurrent requests, because the
// database's partial unique index decides, not a check-then-insert in the application.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { as, createBot } from '../bots/bots.fixtures.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createTenantUser } from '../helpers/identity.ts';

describe('concurrent duplicate subscriptions', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
  });
  after(() => t.close());

  test('ten parallel POSTs for the same bot yield exactly one 201 and nine 409s', async () => {
    const alice = await createTenantUser(t, { roles: ['user'] });
    const api = as(t, alice);
    const botId = await createBot(api);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.post('/subscriptions', { bot_id: botId, plan: i % 2 ? 'pro' : 'free' }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    assert.deepEqual(statuses, [201, ...Array(9).fill(409)]);
    for (const res of responses.filter((r) => r.statusCode === 409)) {
      assert.deepEqual(res.json(), { detail: 'Already subscribed to this bot', code: 'ALREADY_SUBSCRIBED' });
    }
    const { rows } = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM subscriptions WHERE bot_id = $1 AND status = 'active'",
        [botId],
      ),
    );
    assert.equal(rows[0]?.n, 1);
    // Refused duplicates leave no audit record behind: exactly one subscription.create.
    const audit = await t.db.withTenant(alice.tenantId, (tx) =>
      tx.query("SELECT 1 FROM audit_log WHERE action = 'subscription.create' AND changes->>'bot_id' = $1", [
        botId,
      ]),
    );
    assert.equal(audit.rows.length, 1);
  });

  test('parallel subscriptions of different users to one bot all succeed', async () => {
    const alice = await createTenantUser(t, { roles: ['user'] });
    const botId = await createBot(as(t, alice));
    const users = await Promise.all(
      Array.from({ length: 4 }, () => createTenantUser(t, { roles: ['user'], tenantId: alice.tenantId })),
    );
    const responses = await Promise.all(
      users.map((u) => as(t, u).post('/subscriptions', { bot_id: botId, plan: 'free' })),
    );
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [201, 201, 201, 201],
    );
  });
});
