// Issue 14 item 5: slowing down a known account must cost the attacker more than the owner.
// Failures from many addresses slow the account's untrusted logins (never lock them), but an owner
// who presents a device cookie issued to this account (OWASP Forgot/Authentication Cheat Sheet:
// "Slow Down Online Guessing Attacks with Device Cookies"), or who logs in from an address this
// account logged in from before, is not slowed; nor is an authenticated password change.
//
// The slowdown is observed through the delay the app asks for (BuildOptions.sleep), not by timing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { buildApp } from '../../src/app.ts';
import { DEVICE_COOKIE } from '../../src/features/auth/device-cookie.ts';
import type { Database } from '../../src/platform/db/index.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { createTestDatabase, createTestStore, testConfig } from '../helpers/app.ts';
import type { TestIdentity } from '../helpers/identity.ts';
import { createTenantUser } from '../helpers/identity.ts';

type Injected = Awaited<ReturnType<TestApp['app']['inject']>>;

/** The app with a sleep that records the delays brute-force protection asks for. */
async function buildRecordingApp(
  env: Record<string, string>,
  shared: { db?: Database } = {},
): Promise<TestApp & { delays: number[] }> {
  const config = testConfig(env);
  const db = shared.db ?? (await createTestDatabase());
  const store = createTestStore();
  const delays: number[] = [];
  const sleep = async (ms: number) => {
    delays.push(ms);
  };
  const app = await buildApp({ config, db, store, logger: pino({ level: 'silent' }), sleep });
  return {
    app,
    db,
    store,
    config,
    delays,
    async close() {
      await app.close();
      await Promise.allSettled([shared.db ? undefined : db.close(), store.close()]);
    },
  };
}

function deviceCookieOf(res: Injected): string | undefined {
  return res.cookies.find((c) => c.name === DEVICE_COOKIE)?.value;
}

describe('brute-force slowdown spares the account owner (OWASP device cookies)', () => {
  let t: TestApp & { delays: number[] };

  const login = (ip: string, username: string, password: string, device?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      remoteAddress: ip,
      payload: { username, password },
      ...(device === undefined ? {} : { cookies: { [DEVICE_COOKIE]: device } }),
    });

  /**
   * A test address no earlier run blocked: the server shape's database keeps IP blocks for an hour,
   * and a reused random address would answer 403 before any credential check.
   */
  const freshIp = async (): Promise<string> => {
    for (;;) {
      const ip = testIp();
      const { rows } = await t.db.withOwner((q) => q.query('SELECT 1 FROM ip_blocks WHERE ip = $1', [ip]));
      if (rows.length === 0) return ip;
    }
  };

  /** The delays asked for while `work` ran. */
  const delaysDuring = async <T>(work: () => Promise<T>): Promise<{ result: T; delays: number[] }> => {
    const from = t.delays.length;
    const result = await work();
    return { result, delays: t.delays.slice(from) };
  };

  /** Five failures from each of three fresh addresses: no address alone may reach the account. */
  const attack = async (email: string): Promise<number[]> => {
    const { delays } = await delaysDuring(async () => {
      for (let a = 0; a < 3; a++) {
        const ip = await freshIp();
        for (let i = 0; i < 5; i++) {
          const res = await login(ip, email, `Guess-${a}-${i}-pass!`);
          assert.equal(res.statusCode, 401);
        }
      }
    });
    return delays;
  };

  before(async () => {
    t = await buildRecordingApp({
      BRUTE_FORCE_MAX_ATTEMPTS: '5',
      BRUTE_FORCE_WINDOW_SECONDS: '300',
      LOGIN_RATE_LIMIT: '1000/minute',
    });
    await t.app.ready();
  });
  after(() => t.close());

  test('a successful login sets a long-lived HttpOnly, SameSite=Strict device cookie limited to the auth routes', async () => {
    const owner = await createTenantUser(t);
    const res = await login(await freshIp(), owner.email, owner.password);
    assert.equal(res.statusCode, 200);
    const cookie = res.cookies.find((c) => c.name === DEVICE_COOKIE);
    assert.ok(cookie, 'device cookie set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/api/v1/auth');
    assert.ok(Number(cookie.maxAge) >= 90 * 24 * 3600, 'lives long enough to outlast attacks');
    assert.ok(!cookie.value.includes(owner.email), 'the cookie does not carry the e-mail in clear');
  });

  test('fifteen failures from three addresses slow the attackers themselves', async () => {
    const owner = await createTenantUser(t);
    const delays = await attack(owner.email);
    assert.ok(delays.length >= 5, `attempts past the threshold are slowed (${delays})`);
    assert.ok(
      delays.every((ms) => ms > 0),
      'every slowed attempt waits',
    );
  });

  test('the owner presenting its device cookie is not slowed, from a new address', async () => {
    const owner = await createTenantUser(t);
    const device = deviceCookieOf(await login(await freshIp(), owner.email, owner.password));
    assert.ok(device);
    await attack(owner.email);
    const { result, delays } = await delaysDuring(async () =>
      login(await freshIp(), owner.email, owner.password, device),
    );
    assert.equal(result.statusCode, 200);
    assert.deepEqual(delays, [], 'no slowdown for a trusted device');
  });

  test('the owner is not slowed from an address it logged in from before, without any cookie', async () => {
    const owner = await createTenantUser(t);
    const home = await freshIp();
    assert.equal((await login(home, owner.email, owner.password)).statusCode, 200);
    await attack(owner.email);
    const { result, delays } = await delaysDuring(() => login(home, owner.email, owner.password));
    assert.equal(result.statusCode, 200);
    assert.deepEqual(delays, []);
  });

  test('the owner from a new address without a cookie is still slowed, but never locked out', async () => {
    const owner = await createTenantUser(t);
    await attack(owner.email);
    const { result, delays } = await delaysDuring(async () =>
      login(await freshIp(), owner.email, owner.password),
    );
    assert.equal(result.statusCode, 200, 'slowed, not locked');
    assert.ok(result.json().access_token);
    assert.equal(delays.length, 1);
    assert.ok((delays[0] as number) > 0);
  });

  test('a forged device cookie or one issued to another account exempts nothing', async () => {
    const owner = await createTenantUser(t);
    const other = await createTenantUser(t);
    const othersDevice = deviceCookieOf(await login(await freshIp(), other.email, other.password));
    const ownDevice = deviceCookieOf(await login(await freshIp(), owner.email, owner.password));
    assert.ok(othersDevice && ownDevice);
    await attack(owner.email);
    const tampered = `${ownDevice.slice(0, -2)}${ownDevice.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const device of [othersDevice, tampered, 'v1.AAAAAAAAAAAAAAAAAAAAAA.AAAA', 'garbage']) {
      const ip = await freshIp();
      const { result, delays } = await delaysDuring(() => login(ip, owner.email, owner.password, device));
      assert.equal(result.statusCode, 200);
      assert.equal(delays.length, 1, `cookie ${device} must not exempt`);
    }
  });

  test('an attacker holding the owner device cookie is slowed once it fails with it five times', async () => {
    const owner = await createTenantUser(t);
    const device = deviceCookieOf(await login(await freshIp(), owner.email, owner.password));
    assert.ok(device);
    await attack(owner.email);
    // Failures made with the cookie count against the cookie (OWASP: the device cookie's lockout).
    const { delays: withCookie } = await delaysDuring(async () => {
      for (let i = 0; i < 5; i++) {
        assert.equal((await login(await freshIp(), owner.email, `Wrong-${i}-pass!`, device)).statusCode, 401);
      }
    });
    assert.deepEqual(withCookie, [], 'a trusted device is not slowed at first');
    const { result, delays } = await delaysDuring(async () =>
      login(await freshIp(), owner.email, owner.password, device),
    );
    assert.equal(result.statusCode, 200);
    assert.equal(delays.length, 1, 'that cookie is no longer trusted');
  });

  test('a device cookie or a known address buys no exemption from the per-IP detection and block', async () => {
    const owner = await createTenantUser(t);
    const home = await freshIp();
    const device = deviceCookieOf(await login(home, owner.email, owner.password));
    assert.ok(device);
    for (let i = 0; i < 5; i++) {
      assert.equal((await login(home, owner.email, `Wrong-${i}-pass!`, device)).statusCode, 401);
    }
    const blocked = await login(home, owner.email, owner.password, device);
    assert.equal(blocked.statusCode, 403);
    assert.equal(blocked.json().code, 'IP_BLOCKED');
  });

  test('the address exemption outlives the state store: a restarted instance still knows it', async () => {
    const owner = await createTenantUser(t);
    const home = await freshIp();
    assert.equal((await login(home, owner.email, owner.password)).statusCode, 200);
    // Another instance (or this one restarted) over the same database, with an empty state store.
    const next = await buildRecordingApp(
      { BRUTE_FORCE_MAX_ATTEMPTS: '5', BRUTE_FORCE_WINDOW_SECONDS: '300', LOGIN_RATE_LIMIT: '1000/minute' },
      { db: t.db },
    );
    try {
      await next.app.ready();
      for (let a = 0; a < 3; a++) {
        const ip = await freshIp();
        for (let i = 0; i < 5; i++) {
          const res = await next.app.inject({
            method: 'POST',
            url: '/api/v1/auth/token',
            remoteAddress: ip,
            payload: { username: owner.email, password: `Guess-${a}-${i}-pass!` },
          });
          assert.equal(res.statusCode, 401);
        }
      }
      const from = next.delays.length;
      const res = await next.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        remoteAddress: home,
        payload: { username: owner.email, password: owner.password },
      });
      assert.equal(res.statusCode, 200);
      assert.ok(next.delays.length > 0, 'the attack was slowing the account');
      assert.deepEqual(next.delays.slice(from), [], 'the home address is still known');
    } finally {
      await next.close();
    }
  });

  describe('POST /users/me/password', () => {
    const change = async (owner: TestIdentity, current: string, next: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/users/me/password',
        remoteAddress: await freshIp(),
        headers: owner.headers,
        payload: { current_password: current, new_password: next },
      });

    test('the authenticated owner is not slowed by others failures against the account', async () => {
      const owner = await createTenantUser(t);
      await attack(owner.email);
      const { result, delays } = await delaysDuring(() => change(owner, owner.password, 'New-Horse-43!'));
      assert.equal(result.statusCode, 200);
      assert.deepEqual(delays, []);
    });

    test('its own wrong current passwords are still slowed', async () => {
      const owner = await createTenantUser(t);
      const { delays: first } = await delaysDuring(async () => {
        for (let i = 0; i < 5; i++) {
          assert.equal((await change(owner, `Wrong-${i}-pass!`, 'New-Horse-43!')).statusCode, 400);
        }
      });
      assert.deepEqual(first, []);
      const { result, delays } = await delaysDuring(() => change(owner, 'Wrong-6-pass!', 'New-Horse-43!'));
      assert.equal(result.statusCode, 400);
      assert.equal(delays.length, 1);
    });
  });
});
