// Two server processes on one PostgreSQL and one Redis: limits, blocks and revocations imposed
// through one instance hold on the other. Runs in the server-shape run (DATABASE_URL, REDIS_URL).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { testIp } from '../helpers/addresses.ts';
import type { ServiceProcess } from '../helpers/process.ts';
import { startService } from '../helpers/process.ts';

const IP_101 = testIp();
const IP_102 = testIp();
const IP_103 = testIp();
const IP_104 = testIp();

const serverShape = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

describe('two instances share protection state', {
  skip: serverShape ? false : 'needs DATABASE_URL and REDIS_URL',
}, () => {
  let a: ServiceProcess;
  let b: ServiceProcess;

  before(async () => {
    const env = {
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: `tw-two:${randomUUID()}:`,
      SECRET_KEY: randomBytes(32).toString('base64url'),
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATA_DIR: `/tmp/tw-two-${randomUUID()}`,
      // Loopback is the "proxy", so each scenario can speak for its own client address.
      TRUSTED_PROXIES: '127.0.0.1',
      LOGIN_RATE_LIMIT: '3/minute',
      BRUTE_FORCE_MAX_ATTEMPTS: '3',
    };
    [a, b] = await Promise.all([startService(env), startService(env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const call = (
    instance: ServiceProcess,
    method: string,
    path: string,
    client: string,
    body?: unknown,
    token?: string,
  ) =>
    fetch(`${instance.url}/api/v1${path}`, {
      method,
      headers: {
        'x-forwarded-for': client,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const email = `two-${randomUUID()}@example.test`;
  const password = 'Shared-State-42!';

  test('an account made on one instance logs in on the other, and a logout on one holds on both', async () => {
    const registered = await call(a, 'POST', '/auth/register', IP_101, {
      email,
      password,
      full_name: 'Two Instances',
    });
    assert.equal(registered.status, 201, await registered.text());
    const login = await call(b, 'POST', '/auth/token', IP_102, { username: email, password });
    assert.equal(login.status, 200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    assert.equal((await call(a, 'GET', '/users/me', IP_102, undefined, token)).status, 200);

    assert.equal((await call(a, 'POST', '/auth/logout', IP_102, undefined, token)).status, 204);
    assert.equal((await call(b, 'GET', '/users/me', IP_102, undefined, token)).status, 401);
  });

  test('a rate limit counts requests to both instances', async () => {
    const client = IP_103;
    const codes: number[] = [];
    for (const instance of [a, b, a, b]) {
      codes.push((await call(instance, 'POST', '/auth/token', client, { username: email, password })).status);
    }
    assert.deepEqual(codes, [200, 200, 200, 429]);
  });

  test('an IP blocked after brute force on one instance is refused by the other', async () => {
    const client = IP_104;
    for (let i = 0; i < 3; i++) {
      const res = await call(a, 'POST', '/auth/token', client, {
        username: email,
        password: `Wrong-${i}-pass!`,
      });
      assert.equal(res.status, 401);
    }
    // A public route: /health, /ready, /metrics and the API reference answer even a blocked
    // address (CONTRACT.md, issue 16); `/` redirects to the reference unless refused.
    const elsewhere = await fetch(`${b.url}/`, {
      headers: { 'x-forwarded-for': client },
      redirect: 'manual',
    });
    assert.equal(elsewhere.status, 403);
    assert.equal(((await elsewhere.json()) as { code: string }).code, 'IP_BLOCKED');
  });
});
