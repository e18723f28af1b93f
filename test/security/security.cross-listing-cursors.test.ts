// A cursor names a position in one listing only (platform/pagination.ts): presented to another
// listing it is refused like a forged one, a 422 on `cursor`, never a page of that other listing
// read from a position that means something else there (OWASP API8:2023; ASVS 5.0 V1.2 input
// validation). Before issue 15 bots and subscriptions, and users and sessions, shared one format,
// so a bots cursor on /subscriptions was a silently wrong page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createIpBlocks } from '../../src/features/protection/ip-blocks.ts';
import { as, validBot } from '../bots/bots.fixtures.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, serverShape } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser, TEST_PASSWORD } from '../helpers/identity.ts';

const shape = serverShape ? 'PostgreSQL' : 'PGlite';

describe(`a cursor of one listing is a 422 on every other (${shape})`, () => {
  let t: TestApp;
  let admin: TestIdentity;
  const listings: Record<string, string> = {};
  const cursors: Record<string, string> = {};

  before(async () => {
    t = await buildTestApp();
    await t.app.ready();
    admin = await createTenantUser(t, { roles: ['admin', 'user', 'operator'] });
    const api = as(t, admin);
    const plain = await createTenantUser(t, { tenantId: admin.tenantId, roles: ['user'] });
    for (const name of ['one', 'two']) {
      const bot = await api.post('/bots', validBot({ name }));
      assert.equal(bot.statusCode, 201, bot.body);
      assert.equal(
        (await api.post('/subscriptions', { bot_id: bot.json().id, plan: 'free' })).statusCode,
        201,
      );
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        payload: { username: admin.email, password: TEST_PASSWORD },
      });
      assert.equal(login.statusCode, 200, login.body);
      // A plain user's refusal: a security event of the tenant.
      assert.equal((await as(t, plain).get('/admin/audit-log')).statusCode, 403);
    }
    Object.assign(listings, {
      bots: '/api/v1/bots?limit=1',
      subscriptions: '/api/v1/subscriptions?limit=1',
      users: '/api/v1/users?limit=1',
      sessions: '/api/v1/users/me/sessions?limit=1',
      'audit log': '/api/v1/admin/audit-log?limit=1',
      'security events': '/api/v1/admin/security-events?limit=1',
      'ops security events': `/api/v1/ops/security-events?limit=1&tenant_id=${admin.tenantId}`,
      'blocked ips': '/api/v1/ops/blocked-ips?limit=1',
    });
    const blocks = createIpBlocks({ db: t.db, store: t.store });
    for (let i = 0; i < 2; i++) await blocks.block(testIp(), 600, 'brute_force_detected');
    for (const [name, url] of Object.entries(listings)) {
      const res = await t.app.inject({ method: 'GET', url, headers: admin.headers });
      assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
      const next = res.json().next_cursor;
      assert.equal(typeof next, 'string', `${name} has a second page`);
      cursors[name] = next;
    }
  });
  after(() => t?.close());

  test('each listing takes its own cursor and refuses every other listing’s', async () => {
    for (const [name, url] of Object.entries(listings)) {
      for (const [from, cursor] of Object.entries(cursors)) {
        const res = await t.app.inject({
          method: 'GET',
          url: `${url}&cursor=${cursor}`,
          headers: admin.headers,
        });
        if (from === name) {
          assert.equal(res.statusCode, 200, `${name} with its own cursor: ${res.body}`);
          continue;
        }
        assert.equal(res.statusCode, 422, `${name} with a cursor of ${from}: ${res.body}`);
        assert.deepEqual(res.json(), {
          detail: [{ loc: ['query', 'cursor'], msg: 'Invalid cursor', type: 'value_error' }],
          code: 'VALIDATION_FAILED',
        });
      }
    }
  });

  test('a cursor the old code issued still pages its own listing like the new one (read for one release)', async () => {
    const decoded = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8').split('.');
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const pgText = (us: bigint) =>
      `${new Date(Number(us / 1000000n) * 1000).toISOString().slice(0, 19).replace('T', ' ')}.${String(us % 1000000n).padStart(6, '0')}+00`;
    const old: Record<string, string> = {};
    for (const name of ['bots', 'subscriptions']) {
      const [, us, id] = decoded(cursors[name] as string);
      old[name] = b64(`v1.${us}.${id}`);
    }
    for (const name of ['users', 'sessions']) {
      const [, us, id] = decoded(cursors[name] as string);
      old[name] = b64(JSON.stringify([pgText(BigInt(us as string)), id]));
    }
    old['audit log'] = b64(`v1.a.${decoded(cursors['audit log'] as string)[1]}`);
    for (const name of ['security events', 'ops security events']) {
      old[name] = b64(`v2.e.${decoded(cursors[name] as string)[1]}`);
    }
    // Blocked IPs paginate since issue 16: no cursor of theirs was ever issued in an older form.
    for (const [name, url] of Object.entries(listings).filter(([name]) => name !== 'blocked ips')) {
      const get = (cursor: string) =>
        t.app.inject({ method: 'GET', url: `${url}&cursor=${cursor}`, headers: admin.headers });
      const [now, before] = [await get(cursors[name] as string), await get(old[name] as string)];
      assert.equal(before.statusCode, 200, `${name}: ${before.body}`);
      assert.deepEqual(before.json().items, now.json().items, name);
    }
  });
});
