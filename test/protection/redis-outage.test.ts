// When Redis goes away the service keeps its promises: a revoked token is never accepted (503
// rather than a guess), public limits fall back to per-instance counting, /ready says which
// dependency is down, and everything recovers by itself — including revocations that a Redis
// restarted empty had forgotten. Uses a private redis-server on a free loopback port.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MIRRORED_PREFIXES } from '../../src/mirrored-keys.ts';
import { createRedisStore } from '../../src/platform/store/redis.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createTenantUser } from '../helpers/identity.ts';
import { freePort } from '../helpers/process.ts';

const IP_80 = testIp();

const haveRedisServer = spawnSync('redis-server', ['--version']).status === 0;

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  for (let i = 0; i < 50 && !out.includes('Ready to accept connections'); i++) await sleep(100);
  return child;
}

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(200);
  }
  return false;
}

describe('Redis outage', { skip: haveRedisServer ? false : 'redis-server is not installed' }, () => {
  let t: TestApp;
  let redis: ChildProcess;
  let port: number;

  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
    const store = createRedisStore({
      mirroredPrefixes: MIRRORED_PREFIXES,
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: 'outage:',
    });
    t = await buildTestApp({ LOGIN_RATE_LIMIT: '3/minute' }, { store });
    await t.app.ready();
  });
  after(async () => {
    await t?.close();
    await t?.store.close();
    redis?.kill('SIGKILL');
  });

  test('revocations hold, limits degrade per instance, and the service recovers by itself', async () => {
    const user = await createTenantUser(t);
    const loginAs = async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        payload: { username: user.email, password: user.password },
      });
      assert.equal(res.statusCode, 200, res.body);
      return { authorization: `Bearer ${res.json().access_token}` };
    };
    const revoked = await loginAs();
    const live = await loginAs();
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: revoked });
    assert.ok(logout.statusCode < 300, `logout answered ${logout.statusCode}`);
    const bots = (headers: { authorization: string }) =>
      t.app.inject({ method: 'GET', url: '/api/v1/bots', headers });
    assert.equal((await bots(revoked)).statusCode, 401);
    assert.equal((await bots(live)).statusCode, 200);

    redis.kill('SIGKILL');
    await once(redis, 'exit');

    // Until the instance notices the lost connection it answers from its in-sync local copy;
    // from then on it refuses to guess. A revoked token is accepted at no point.
    assert.ok(
      await until(async () => {
        assert.notEqual((await bots(revoked)).statusCode, 200, 'a revoked token is never accepted');
        return (await bots(live)).statusCode === 503;
      }),
      'the outage is noticed',
    );
    for (const res of [await bots(revoked), await bots(live)]) {
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().code, 'SERVICE_UNAVAILABLE');
    }
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().checks.state_store, 'unavailable');

    const attempts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        remoteAddress: IP_80,
        payload: { username: user.email, password: 'Wrong-password-1!' },
      });
      attempts.push(res.statusCode);
    }
    assert.deepEqual(attempts, [401, 401, 401, 429], 'the login limit still holds, counted by this instance');

    // Redis comes back empty: it has forgotten the logout.
    redis = await startRedis(port);
    assert.ok(
      await until(async () => (await bots(live)).statusCode === 200),
      'service recovers without a restart',
    );
    assert.equal((await bots(revoked)).statusCode, 401, 'the revocation was restored from the database');
    assert.equal((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
  });
});
