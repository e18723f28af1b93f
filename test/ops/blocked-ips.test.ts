// Operators list and lift platform-wide IP blocks; tenant admins cannot.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

describe('operator IP-block routes', () => {
  let t: TestApp;
  let operator: TestIdentity;
  let admin: TestIdentity;
  const blocked = '198.51.100.77';

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    operator = await createTenantUser(t, { roles: ['operator', 'user'] });
    admin = await createTenantUser(t, { roles: ['admin', 'user'] });
  });
  after(() => t.close());

  test('an operator sees active blocks and lifts one', async () => {
    const { createIpBlocks } = await import('../../src/features/protection/ip-blocks.ts');
    await createIpBlocks({ db: t.db, store: t.store }).block(blocked, 600, 'brute_force_detected');
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/ops/blocked-ips',
      headers: operator.headers,
    });
    assert.equal(list.statusCode, 200);
    assert.ok(list.json().items.some((b: { ip: string }) => b.ip === blocked));

    const lift = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/ops/blocked-ips/${blocked}`,
      headers: operator.headers,
    });
    assert.equal(lift.statusCode, 204);
    const again = await t.app.inject({
      method: 'GET',
      url: '/api/v1/ops/blocked-ips',
      headers: operator.headers,
    });
    assert.equal(
      again.json().items.some((b: { ip: string }) => b.ip === blocked),
      false,
    );
  });

  test('a tenant admin can neither list nor lift blocks, and the attempt is a security event', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/ops/blocked-ips'],
      ['DELETE', `/api/v1/ops/blocked-ips/${blocked}`],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: admin.headers });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'FORBIDDEN');
    }
    const events = await t.db.withTenant(admin.tenantId, (tx) =>
      tx.query("SELECT * FROM security_events WHERE event_type = 'unauthorized_access_attempt'"),
    );
    assert.ok(events.rows.length >= 2);
  });

  test('lifting an address that is not blocked is a 404; a malformed address a 422', async () => {
    const missing = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/ops/blocked-ips/198.51.100.78',
      headers: operator.headers,
    });
    assert.equal(missing.statusCode, 404);
    const bad = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/ops/blocked-ips/not-an-ip',
      headers: operator.headers,
    });
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json().detail[0].loc, ['path', 'ip']);
  });

  const listPage = (query = '') =>
    t.app.inject({ method: 'GET', url: `/api/v1/ops/blocked-ips${query}`, headers: operator.headers });

  /** Every page from `limit`, followed to the end: the items in order and the pages' sizes. */
  async function walk(limit: number) {
    const items: { ip: string }[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`;
      const res = await listPage(query);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { items: { ip: string }[]; next_cursor: string | null };
      assert.deepEqual(Object.keys(body).sort(), ['items', 'next_cursor']);
      items.push(...body.items);
      sizes.push(body.items.length);
      cursor = body.next_cursor;
    } while (cursor !== null);
    return { items, sizes };
  }

  test('the list paginates like every list: ?limit=, ?cursor=, {items, next_cursor}, newest first', async () => {
    const { createIpBlocks } = await import('../../src/features/protection/ip-blocks.ts');
    const blocks = createIpBlocks({ db: t.db, store: t.store });
    const ips = [testIp(), testIp(), '2001:db8:16:4::1'];
    for (const ip of ips) await blocks.block(ip, 600, 'brute_force_detected');
    const keys = [ips[0], ips[1], '2001:db8:16:4::/64'];

    const { items, sizes } = await walk(1);
    assert.ok(sizes.every((size) => size === 1));
    const seen = items.map((b) => b.ip).filter((ip) => keys.includes(ip));
    assert.deepEqual(seen, [...keys].reverse(), 'each block once, the newest first');
  });

  test('blocks made in the same microsecond are each listed once, the address breaking the tie', async () => {
    const { createIpBlocks } = await import('../../src/features/protection/ip-blocks.ts');
    const blocks = createIpBlocks({ db: t.db, store: t.store });
    const ips = [testIp(), testIp(), testIp(), testIp()];
    for (const ip of ips) await blocks.block(ip, 600, 'brute_force_detected');
    await t.db.withOwner((q) =>
      q.query("UPDATE ip_blocks SET blocked_at = now() + interval '1 minute' WHERE ip = ANY($1)", [ips]),
    );
    const { items } = await walk(3);
    const seen = items.map((b) => b.ip).filter((ip) => ips.includes(ip));
    assert.deepEqual(seen, [...ips].sort().reverse());
  });

  test('without ?limit= a page holds 50 blocks and a cursor to the rest', async () => {
    const { createIpBlocks } = await import('../../src/features/protection/ip-blocks.ts');
    const blocks = createIpBlocks({ db: t.db, store: t.store });
    for (let i = 0; i < 51; i++) await blocks.block(testIp(), 600, 'brute_force_detected');
    const page = (await listPage()).json();
    assert.equal(page.items.length, 50);
    assert.equal(typeof page.next_cursor, 'string');
  });

  test('a bad limit or a cursor this listing did not issue is a 422 at its query field', async () => {
    const bots = Buffer.from('bots.1764750000000000.00000000-0000-4000-8000-000000000000').toString(
      'base64url',
    );
    const notAnAddress = Buffer.from('blocked-ips.1764750000000000.not-an-ip').toString('base64url');
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=ten', 'limit'],
      [`?cursor=${bots}`, 'cursor'],
      [`?cursor=${notAnAddress}`, 'cursor'],
      ['?cursor=%00', 'cursor'],
    ] as const) {
      const res = await listPage(query);
      assert.equal(res.statusCode, 422, query);
      assert.deepEqual(res.json().detail[0].loc, ['query', field], query);
    }
  });

  test('without a token the routes answer 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/ops/blocked-ips' });
    assert.equal(res.statusCode, 401);
  });
});
