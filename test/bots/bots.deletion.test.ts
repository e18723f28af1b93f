// Deleting a bot that has subscriptions (issue 16): never a silent cascade. The bot's active
// subscriptions are cancelled in the deletion's transaction, each with an audit record attributed
// to the deleting user, the subscriptions stay as their users' history naming the deleted bot, and
// DELETE still answers 204. Other tenants are untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SubscriptionView as Subscription } from '../../src/features/subscriptions/subscriptions.schemas.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { Caller } from './bots.fixtures.ts';
import { as, createBot } from './bots.fixtures.ts';

interface AuditRow {
  action: string;
  resource_type: string;
  resource_id: string;
  actor_user_id: string;
  status: number;
  request_id: string;
  changes: Record<string, unknown>;
}

describe('DELETE /bots/{id} with subscriptions', () => {
  let t: TestApp;
  let admin: TestIdentity;
  let users: TestIdentity[];
  let adminApi: Caller;
  let other: TestIdentity;
  let otherApi: Caller;

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    admin = await createTenantUser(t, { roles: ['admin', 'user'] });
    users = [];
    for (let i = 0; i < 3; i++) {
      users.push(await createTenantUser(t, { roles: ['user'], tenantId: admin.tenantId }));
    }
    adminApi = as(t, admin);
    other = await createTenantUser(t, { roles: ['user'] });
    otherApi = as(t, other);
  });
  after(() => t.close());

  const subscribe = async (who: TestIdentity, botId: string, plan = 'free') => {
    const res = await as(t, who).post('/subscriptions', { bot_id: botId, plan });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Subscription;
  };

  const auditOf = async (tenantId: string, requestId: unknown) => {
    const { rows } = await t.db.withTenant(tenantId, (tx) =>
      tx.query<AuditRow>(
        `SELECT action, resource_type, resource_id, actor_user_id, status, request_id, changes
         FROM audit_log WHERE request_id = $1 ORDER BY seq`,
        [requestId],
      ),
    );
    return rows;
  };

  const auditRecordsTotal = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    return Number(/^audit_records_total (\d+)$/m.exec(res.body)?.[1]);
  };

  test('a bot without subscriptions: 204, gone, one bot.delete record that cancelled none', async () => {
    const id = await createBot(adminApi);
    const res = await adminApi.delete(`/bots/${id}`);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.equal((await adminApi.get(`/bots/${id}`)).statusCode, 404);
    const audit = await auditOf(admin.tenantId, res.headers['x-request-id']);
    assert.deepEqual(
      audit.map((r) => [r.action, r.resource_id, r.status, r.changes.cancelled_subscriptions]),
      [['bot.delete', id, 204, 0]],
    );
  });

  test("one subscription: cancelled, kept in its user's list naming the deleted bot, audited as the deleting user's act", async () => {
    const [subscriber] = users as [TestIdentity];
    const id = await createBot(adminApi);
    const sub = await subscribe(subscriber, id, 'pro');
    const res = await adminApi.delete(`/bots/${id}`);
    assert.equal(res.statusCode, 204);

    const seen = await as(t, subscriber).get(`/subscriptions/${sub.id}`);
    assert.equal(seen.statusCode, 200);
    const after = seen.json();
    assert.deepEqual(
      { ...after, cancelled_at: typeof after.cancelled_at },
      {
        ...sub,
        status: 'cancelled',
        cancelled_at: 'string',
      },
    );
    assert.ok(Date.parse(after.cancelled_at) >= Date.parse(sub.created_at));
    assert.equal(after.bot_id, id);
    const listed = (await as(t, subscriber).get('/subscriptions')).json().items;
    assert.deepEqual(
      listed.filter((s: { id: string }) => s.id === sub.id),
      [after],
    );

    const audit = await auditOf(admin.tenantId, res.headers['x-request-id']);
    assert.deepEqual(
      audit.map((r) => [r.action, r.resource_type, r.resource_id, r.actor_user_id, r.status]),
      [
        ['subscription.cancel', 'subscription', sub.id, admin.userId, 204],
        ['bot.delete', 'bot', id, admin.userId, 204],
      ],
    );
    assert.deepEqual(audit[0]?.changes, {
      reason: 'bot_deleted',
      bot_id: id,
      subscriber_id: subscriber.userId,
      fields: ['status'],
    });
    assert.equal(audit[1]?.changes.cancelled_subscriptions, 1);
    // The deleted bot cannot be subscribed to again: the same 404 as any unknown bot.
    const again = await as(t, subscriber).post('/subscriptions', { bot_id: id, plan: 'free' });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().code, 'BOT_NOT_FOUND');
  });

  test('several subscriptions: every active one cancelled with its own record; one already cancelled is left as it was', async () => {
    const id = await createBot(adminApi);
    const active: Subscription[] = [];
    for (const user of users) active.push(await subscribe(user, id));
    const [first, ...rest] = users as [TestIdentity, ...TestIdentity[]];
    // The first user cancelled, then subscribed again: one cancelled and one active subscription.
    // Read back rather than taken from the DELETE's answer, whose body the contract does not promise.
    assert.ok((await as(t, first).delete(`/subscriptions/${active[0]?.id}`)).statusCode < 300);
    const cancelledBefore = (await as(t, first).get(`/subscriptions/${active[0]?.id}`)).json();
    assert.equal(cancelledBefore.status, 'cancelled');
    const renewed = await subscribe(first, id, 'pro');
    const expected = [renewed, ...active.slice(1)];
    const recordsBefore = await auditRecordsTotal();

    const res = await adminApi.delete(`/bots/${id}`);
    assert.equal(res.statusCode, 204);

    const audit = await auditOf(admin.tenantId, res.headers['x-request-id']);
    assert.deepEqual(
      audit.map((r) => r.action),
      [...expected.map(() => 'subscription.cancel'), 'bot.delete'],
    );
    const owners = new Map<string, string>([
      [renewed.id, first.userId],
      ...rest.map((user, i) => [active[i + 1]?.id as string, user.userId] as const),
    ]);
    assert.deepEqual(
      audit
        .slice(0, -1)
        .map((r) => [r.resource_id, r.changes.subscriber_id])
        .sort(),
      [...owners.entries()].sort(),
    );
    assert.ok(audit.every((r) => r.actor_user_id === admin.userId && r.status === 204));
    assert.equal(audit.at(-1)?.changes.cancelled_subscriptions, expected.length);
    assert.equal(await auditRecordsTotal(), recordsBefore + expected.length + 1);

    const old = (await as(t, first).get(`/subscriptions/${cancelledBefore.id}`)).json();
    assert.deepEqual(old, cancelledBefore, 'the earlier cancellation keeps its own time');
    for (const [user, sub] of [
      [first, renewed],
      ...rest.map((user, i) => [user, active[i + 1]] as const),
    ] as const) {
      const seen = (await as(t, user).get(`/subscriptions/${sub?.id}`)).json();
      assert.equal(seen.status, 'cancelled');
      assert.equal(seen.bot_id, id);
    }
    const { rows } = await t.db.withTenant(admin.tenantId, (tx) =>
      tx.query<{ status: string }>('SELECT status FROM subscriptions WHERE bot_id = $1', [id]),
    );
    assert.deepEqual(
      rows.map((r) => r.status),
      ['cancelled', 'cancelled', 'cancelled', 'cancelled'],
    );
    // The records appended beside the bot's own keep the tenant's hash chain whole.
    const verified = await adminApi.get('/admin/audit-log/verify');
    assert.equal(verified.statusCode, 200);
    assert.equal(verified.json().ok, true);
  });

  test("other tenants are untouched: their bots' subscriptions stay active, and they cannot delete this tenant's bot", async () => {
    const mine = await createBot(adminApi);
    const mySub = await subscribe(users[1] as TestIdentity, mine);
    const theirs = await createBot(otherApi);
    const theirSub = await subscribe(other, theirs);

    const foreign = await otherApi.delete(`/bots/${mine}`);
    assert.equal(foreign.statusCode, 404);
    assert.equal(
      (await as(t, users[1] as TestIdentity).get(`/subscriptions/${mySub.id}`)).json().status,
      'active',
    );
    assert.deepEqual(await auditOf(admin.tenantId, foreign.headers['x-request-id']), []);

    assert.equal((await adminApi.delete(`/bots/${mine}`)).statusCode, 204);
    assert.deepEqual((await otherApi.get(`/subscriptions/${theirSub.id}`)).json(), theirSub);
    assert.equal((await otherApi.get(`/bots/${theirs}`)).statusCode, 200);
  });

  test('a subscription racing the deletion is either cancelled with it or refused: none is left active', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await createBot(adminApi);
      const [subscribed, deleted] = await Promise.all([
        as(t, users[2] as TestIdentity).post('/subscriptions', { bot_id: id, plan: 'free' }),
        adminApi.delete(`/bots/${id}`),
      ]);
      assert.equal(deleted.statusCode, 204);
      assert.ok([201, 404].includes(subscribed.statusCode), subscribed.body);
      const { rows } = await t.db.withTenant(admin.tenantId, (tx) =>
        tx.query<{ status: string }>('SELECT status FROM subscriptions WHERE bot_id = $1', [id]),
      );
      assert.deepEqual(
        rows.map((r) => r.status),
        subscribed.statusCode === 201 ? ['cancelled'] : [],
      );
    }
  });
});
