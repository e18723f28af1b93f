// Brute force seen from outside: failed logins per IP and per (IP, account) block the IP; an
// account under a distributed attack is slowed down, never locked; nothing tells whether the
// account exists.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accountDelayMs } from '../../src/features/protection/brute-force.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

const IP_50 = testIp();
const IP_51 = testIp();
const IP_52 = testIp();
const IP_53 = testIp();
const IP_54 = testIp();
const IP_60 = testIp();
const IP_70 = testIp();
const NET = testIp().split('.').slice(0, 3).join('.');

const login = (t: TestApp, ip: string, username: string, password: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    remoteAddress: ip,
    payload: { username, password },
  });

describe('brute-force detection and response', () => {
  let t: TestApp;
  let victim: TestIdentity;

  before(async () => {
    t = await buildTestApp({
      BRUTE_FORCE_MAX_ATTEMPTS: '5',
      BRUTE_FORCE_WINDOW_SECONDS: '300',
      IP_BLOCK_SECONDS: '3600',
      LOGIN_RATE_LIMIT: '1000/minute',
    });
    await t.app.ready();
    victim = await createTenantUser(t, { roles: ['admin', 'user'] });
  });
  after(() => t.close());

  test('five failures from one IP record brute_force_detected and block that IP for every request', async () => {
    const ip = IP_50;
    for (let i = 0; i < 5; i++) {
      assert.equal((await login(t, ip, victim.email, `Wrong-${i}-password!`)).statusCode, 401);
    }
    for (const request of [
      login(t, ip, victim.email, victim.password),
      t.app.inject({ method: 'GET', url: '/', remoteAddress: ip }),
      t.app.inject({ method: 'GET', url: '/api/v1/bots', remoteAddress: ip, headers: victim.headers }),
    ]) {
      const res = await request;
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'IP_BLOCKED');
    }
    const events = await t.db.withTenant(victim.tenantId, (tx) =>
      tx.query<{ event_type: string; severity: string }>(
        'SELECT event_type, severity FROM security_events WHERE ip = $1 ORDER BY id',
        [ip],
      ),
    );
    const types = events.rows.map((e) => e.event_type);
    assert.equal(
      types.filter((x) => x === 'login_failed').length,
      5,
      'each failure belongs to the tenant too',
    );
    assert.ok(types.includes('brute_force_detected'));
    assert.ok(types.includes('ip_blocked'));
    assert.equal(events.rows.find((e) => e.event_type === 'brute_force_detected')?.severity, 'high');

    const blocks = await t.app.inject({ method: 'GET', url: '/openapi.json', remoteAddress: IP_51 });
    assert.equal(blocks.statusCode, 200, 'other addresses are unaffected');
  });

  test('failures against unknown e-mails block the same way, with events visible to operators only', async () => {
    const ip = IP_52;
    const unknown = 'nobody-here@example.test';
    const bodies = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await login(t, ip, unknown, `Wrong-${i}-password!`);
      assert.equal(res.statusCode, 401);
      bodies.add(res.body);
    }
    assert.equal(bodies.size, 1);
    assert.equal((await login(t, ip, unknown, 'x')).statusCode, 403);
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ tenant_id: string | null }>(
        "SELECT tenant_id FROM security_events WHERE ip = $1 AND event_type = 'brute_force_detected'",
        [ip],
      ),
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.tenant_id, null);
  });

  test('wrong-password and blocked answers are the same for existing and unknown accounts', async () => {
    const existing = await login(t, IP_53, victim.email, 'Not-the-password-1!');
    const unknown = await login(t, IP_54, 'ghost@example.test', 'Not-the-password-1!');
    assert.equal(existing.statusCode, unknown.statusCode);
    assert.equal(existing.body, unknown.body);
  });
});

describe('an account under a distributed attack', () => {
  test('is slowed down progressively, not locked: the owner still logs in', async () => {
    const t = await buildTestApp({ BRUTE_FORCE_MAX_ATTEMPTS: '3', LOGIN_RATE_LIMIT: '1000/minute' });
    try {
      await t.app.ready();
      const owner = await createTenantUser(t);
      // Three attackers, one failure each: no IP reaches the threshold, the account does.
      for (let i = 0; i < 3; i++) {
        assert.equal((await login(t, `${NET}.${10 + i}`, owner.email, 'Guess-1234!')).statusCode, 401);
      }
      const res = await login(t, IP_60, owner.email, owner.password);
      assert.equal(res.statusCode, 200, 'the owner is not locked out');
      assert.ok(res.json().access_token);
    } finally {
      await t.close();
    }
  });

  test('the delay grows with the failures and is capped', () => {
    assert.equal(accountDelayMs(4, 5), 0);
    assert.equal(accountDelayMs(5, 5), 500);
    assert.equal(accountDelayMs(6, 5), 1000);
    assert.equal(accountDelayMs(7, 5), 2000);
    assert.equal(accountDelayMs(50, 5), 8000);
  });
});

describe('the login rate limit', () => {
  test('the sixth login from one IP within a minute is a 429 that costs no password check', async () => {
    const t = await buildTestApp({ LOGIN_RATE_LIMIT: '5/minute', BRUTE_FORCE_MAX_ATTEMPTS: '100' });
    try {
      await t.app.ready();
      const user = await createTenantUser(t);
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push((await login(t, IP_70, user.email, user.password)).statusCode);
      assert.deepEqual(codes, [200, 200, 200, 200, 200, 429]);
      const limited = await login(t, IP_70, user.email, 'wrong');
      assert.equal(limited.statusCode, 429);
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      const failed = await t.db.withTenant(user.tenantId, (tx) =>
        tx.query("SELECT 1 FROM security_events WHERE event_type = 'login_failed' AND ip = $1", [IP_70]),
      );
      assert.equal(failed.rows.length, 0, 'a limited attempt never reaches the credential check');
    } finally {
      await t.close();
    }
  });
});
