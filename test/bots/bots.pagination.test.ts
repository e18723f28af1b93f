// GET /bots pages with an opaque cursor over a stable (created_at, id) order.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';
import type { BotPage, Caller } from './bots.fixtures.ts';
import { as, createBot, walkBots } from './bots.fixtures.ts';

describe('bots pagination', () => {
  let t: TestApp;
  let alice: TestIdentity;
  let api: Caller;
  const created: string[] = [];

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    alice = await createTenantUser(t, { roles: ['user'] });
    api = as(t, alice);
    for (let i = 0; i < 7; i++) created.push(await createBot(api, { name: `bot ${i}` }));
  });
  after(() => t.close());

  test('pages of 3 give 3, 3 and 1 bots in creation order, then next_cursor null', async () => {
    const { ids, pages } = await walkBots(api, 3);
    assert.deepEqual(ids, created);
    assert.equal(pages, 3);
  });

  test('the default page holds up to 50 and says there is no next page', async () => {
    const page: BotPage = (await api.get('/bots')).json();
    assert.deepEqual(
      page.items.map((b) => b.id),
      created,
    );
    assert.equal(page.next_cursor, null);
  });

  test('a page exactly as long as what is left has no next cursor', async () => {
    const page: BotPage = (await api.get('/bots?limit=7')).json();
    assert.equal(page.items.length, 7);
    assert.equal(page.next_cursor, null);
  });

  test('limit outside 1..100 or not a number is a 422', async () => {
    for (const limit of ['0', '101', '-1', 'ten', '1.5']) {
      const res = await api.get(`/bots?limit=${limit}`);
      assert.equal(res.statusCode, 422, limit);
      assert.deepEqual(res.json().detail[0].loc, ['query', 'limit']);
    }
  });

  test('a malformed or forged cursor is a 422, never a 500', async () => {
    const wellFormed = Buffer.from(`v1.1700000000000000.${randomUUID()}`).toString('base64url');
    const cursors = [
      'abc',
      '%%%',
      Buffer.from('v1.12.not-a-uuid').toString('base64url'),
      Buffer.from("v1.1'; DROP TABLE bots;--.x").toString('base64url'),
      Buffer.from(`v2.1.${randomUUID()}`).toString('base64url'),
      Buffer.from(`v1.99999999999999999999.${randomUUID()}`).toString('base64url'),
      `${wellFormed}==`,
      `${wellFormed}.`,
      'x'.repeat(201),
    ];
    for (const cursor of cursors) {
      const res = await api.get(`/bots?cursor=${encodeURIComponent(cursor)}`);
      assert.equal(res.statusCode, 422, cursor);
      assert.equal(res.json().code, 'VALIDATION_FAILED');
    }
    // A well-formed cursor naming no existing row is simply a position: the bots after it.
    assert.equal((await api.get(`/bots?cursor=${wellFormed}`)).statusCode, 200);
    const farFuture = Buffer.from(`v1.${'9'.repeat(18)}.${randomUUID()}`).toString('base64url');
    const end = await api.get(`/bots?cursor=${farFuture}`);
    assert.equal(end.statusCode, 200);
    assert.deepEqual(end.json(), { items: [], next_cursor: null });
  });

  test('a deleted bot at the cursor position neither repeats nor skips the others', async () => {
    const first: BotPage = (await api.get('/bots?limit=2')).json();
    const last = first.items.at(-1)?.id as string;
    assert.equal((await api.delete(`/bots/${last}`)).statusCode, 204);
    const second: BotPage = (await api.get(`/bots?limit=2&cursor=${first.next_cursor}`)).json();
    assert.deepEqual(
      second.items.map((b) => b.id),
      created.slice(2, 4),
    );
    created.splice(1, 1);
  });

  test('bots created in one transaction (same created_at) are ordered by id and all reached', async () => {
    const bob = await createTenantUser(t, { roles: ['user'] });
    const ids = Array.from({ length: 5 }, () => randomUUID());
    await t.db.withTenant(bob.tenantId, async (tx) => {
      for (const id of ids) {
        await tx.query(
          `INSERT INTO bots (id, tenant_id, name, kind, exchange, strategy) VALUES ($1, $2, 'same', 'internal', 'x', 'y')`,
          [id, bob.tenantId],
        );
      }
    });
    const { ids: walked } = await walkBots(as(t, bob), 2);
    assert.deepEqual(walked, [...ids].sort());
  });

  test('bots created within one millisecond are neither skipped nor repeated', async () => {
    const carol = await createTenantUser(t, { roles: ['user'] });
    const ids: string[] = [];
    await t.db.withTenant(carol.tenantId, async (tx) => {
      // Microseconds apart: a millisecond cursor would lose all but one of them.
      for (let us = 1; us <= 4; us++) {
        const id = randomUUID();
        ids.push(id);
        await tx.query(
          `INSERT INTO bots (id, tenant_id, name, kind, exchange, strategy, created_at)
           VALUES ($1, $2, 'n', 'internal', 'x', 'y', timestamptz '2026-01-01 00:00:00.000100+00' + $3 * interval '1 microsecond')`,
          [id, carol.tenantId, us],
        );
      }
    });
    const { ids: walked } = await walkBots(as(t, carol), 1);
    assert.deepEqual(walked, ids);
  });
});
