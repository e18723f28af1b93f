// A user's sessions: listed with where and when they were used, ended one by one; and the
// platform-wide active_sessions_gauge.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Gauge, Registry } from 'prom-client';
import { installActiveSessionsGauge } from '../../src/features/auth/active-sessions.ts';
import { AUTH_TEST_ENV, bearer, loginOk, me, refresh, register } from '../auth/support.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, serverShape } from '../helpers/app.ts';

describe('GET and DELETE /users/me/sessions', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  const list = (token: string, query = '') =>
    t.app.inject({ method: 'GET', url: `/api/v1/users/me/sessions${query}`, headers: bearer(token) });

  test('lists the live sessions with created, last used, IP, user agent and which one is current', async () => {
    const account = await register(t);
    const laptop = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { 'user-agent': 'Laptop/1.0' },
      payload: { username: account.email, password: account.password },
    });
    const phone = await loginOk(t, account.email);
    const res = await list(laptop.json().access_token);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const { items, next_cursor } = res.json();
    assert.equal(next_cursor, null);
    assert.equal(items.length, 2);
    for (const item of items) {
      assert.deepEqual(Object.keys(item).sort(), [
        'created_at',
        'current',
        'id',
        'ip',
        'last_used_at',
        'user_agent',
      ]);
      assert.equal(item.ip, '127.0.0.1');
    }
    const current = items.filter((s: { current: boolean }) => s.current);
    assert.equal(current.length, 1);
    assert.equal(current[0].user_agent, 'Laptop/1.0');
    const fromPhone = (await list(phone.access_token))
      .json()
      .items.find((s: { current: boolean }) => s.current);
    assert.notEqual(fromPhone.id, current[0].id);
  });

  test("refreshing updates last used; ended sessions and other users' sessions are not listed", async () => {
    const account = await register(t);
    const other = await register(t);
    await loginOk(t, other.email);
    const a = await loginOk(t, account.email);
    const b = await loginOk(t, account.email);
    const before = (await list(a.access_token)).json().items;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const renewed = (await refresh(t, a.refresh_token)).json();
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(b.access_token) });
    const after = (await list(renewed.access_token)).json().items;
    assert.equal(after.length, 1);
    const was = before.find((s: { id: string }) => s.id === after[0].id);
    assert.ok(Date.parse(after[0].last_used_at) > Date.parse(was.last_used_at));
    assert.equal(after[0].current, true);
  });

  test('the list pages with limit and cursor', async () => {
    const account = await register(t);
    const tokens = [
      await loginOk(t, account.email),
      await loginOk(t, account.email),
      await loginOk(t, account.email),
    ];
    const token = tokens[0]?.access_token as string;
    const first = (await list(token, '?limit=2')).json();
    assert.equal(first.items.length, 2);
    assert.equal(typeof first.next_cursor, 'string');
    const second = (await list(token, `?limit=2&cursor=${first.next_cursor}`)).json();
    assert.equal(second.items.length, 1);
    assert.equal(second.next_cursor, null);
    const ids = new Set([...first.items, ...second.items].map((s: { id: string }) => s.id));
    assert.equal(ids.size, 3);
  });

  test('DELETE ends one session: its refresh token and the access tokens it issued are revoked', async () => {
    const account = await register(t);
    const keep = await loginOk(t, account.email);
    const end = await loginOk(t, account.email);
    const target = (await list(end.access_token)).json().items.find((s: { current: boolean }) => s.current);
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/me/sessions/${target.id}`,
      headers: bearer(keep.access_token),
    });
    assert.equal(res.statusCode, 204);
    assert.equal((await me(t, end.access_token)).statusCode, 401);
    assert.equal((await refresh(t, end.refresh_token)).statusCode, 401);
    assert.equal((await me(t, keep.access_token)).statusCode, 200);
    assert.equal((await list(keep.access_token)).json().items.length, 1);
  });

  test("another user's session, an unknown one or an ended one is a 404; a malformed id a 422", async () => {
    const account = await register(t);
    const other = await register(t);
    const mine = await loginOk(t, account.email);
    const theirs = await loginOk(t, other.email);
    const theirId = (await list(theirs.access_token)).json().items[0].id;
    const del = (id: string) =>
      t.app.inject({
        method: 'DELETE',
        url: `/api/v1/users/me/sessions/${id}`,
        headers: bearer(mine.access_token),
      });
    assert.equal((await del(theirId)).statusCode, 404);
    assert.equal((await del('6f1e8c1e-0000-4000-8000-000000000000')).statusCode, 404);
    assert.equal((await del('not-a-uuid')).statusCode, 422);
    assert.equal((await me(t, theirs.access_token)).statusCode, 200);
  });
});

describe('active_sessions_gauge', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  /** Live sessions counted directly (the gauge reports the platform, other test files included). */
  const counted = async () => {
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE revoked_at IS NULL AND expires_at > now()',
      ),
    );
    return rows[0]?.n as number;
  };

  test('reports the live sessions from the database, refreshed after its short cache', async () => {
    let clock = 0;
    const registry = new Registry();
    const gauge = new Gauge({ name: 'active_sessions_gauge', help: 'test', registers: [registry] });
    installActiveSessionsGauge(gauge, t.db, () => clock);
    const scrape = async () => {
      const low = await counted();
      const metric = await registry.getSingleMetricAsString('active_sessions_gauge');
      const high = await counted();
      const value = Number(/^active_sessions_gauge (\d+)$/m.exec(metric)?.[1]);
      return { value, low, high };
    };
    const initial = await scrape();
    assert.ok(
      initial.value >= Math.min(initial.low, initial.high) &&
        initial.value <= Math.max(initial.low, initial.high),
    );

    const account = await register(t);
    const tokens = await loginOk(t, account.email);
    const cached = await scrape();
    assert.equal(cached.value, initial.value, 'within the cache window the figure is not re-read');
    clock += 5_000;
    const fresh = await scrape();
    assert.ok(
      fresh.value >= Math.min(fresh.low, fresh.high) && fresh.value <= Math.max(fresh.low, fresh.high),
    );
    // This file's embedded database is its own; the server shape's is shared with other test files.
    if (!serverShape) assert.equal(fresh.value, initial.value + 1);

    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(tokens.access_token) });
    clock += 5_000;
    const ended = await scrape();
    assert.ok(
      ended.value >= Math.min(ended.low, ended.high) && ended.value <= Math.max(ended.low, ended.high),
    );
    if (!serverShape) assert.equal(ended.value, initial.value);
  });

  test('is exposed on /metrics as a whole number', async () => {
    const value = async () => {
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      return Number(/^active_sessions_gauge (\d+)$/m.exec(res.body)?.[1]);
    };
    const first = await value();
    assert.ok(Number.isInteger(first));
  });
});
