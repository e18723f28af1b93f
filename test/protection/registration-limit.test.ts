// REGISTER_RATE_LIMIT counts the attempts that could create an account (issue 16: six policy
// failures, a 409 and a 415 used up 10/hour, and the 11th attempt waited 41 minutes). Mistakes a
// person makes while filling in the form cost nothing; successes and 409s (which say that an
// e-mail has an account: OWASP WSTG-IDNT-04) do; and every request, malformed or not, still counts
// against ten times the limit (OWASP API4:2023), so no flood is unbounded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PASSWORD, uniqueEmail } from '../auth/support.ts';
import { testIp } from '../helpers/addresses.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('the registration limit counts only attempts that could create an account', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ REGISTER_RATE_LIMIT: '3/hour' });
    await t.app.ready();
  });
  after(() => t.close());

  const register = (ip: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: payload as Record<string, unknown>,
      headers,
      remoteAddress: ip,
    });
  const valid = (email = uniqueEmail()) => ({ email, password: PASSWORD, full_name: 'Ada Trader' });

  test('policy failures, schema failures and a 415 leave the whole limit to the attempt that succeeds', async () => {
    const ip = testIp();
    for (const password of [
      'short',
      'alllowercase1!',
      'ALLUPPERCASE1!',
      'NoDigitsHere!',
      'Kelp-Moth-2024',
      'Password1!',
    ]) {
      assert.equal((await register(ip, { ...valid(), password })).statusCode, 422, password);
    }
    assert.equal((await register(ip, { ...valid(), roles: ['admin'] })).statusCode, 422);
    assert.equal(
      (await register(ip, { email: 'not-an-email', password: PASSWORD, full_name: 'X' })).statusCode,
      422,
    );
    const wrongType = await register(ip, 'email=a@example.test', { 'content-type': 'text/plain' });
    assert.equal(wrongType.statusCode, 415);
    for (let i = 0; i < 3; i++)
      assert.equal((await register(ip, valid())).statusCode, 201, `success ${i + 1}`);
    const fourth = await register(ip, valid());
    assert.equal(fourth.statusCode, 429);
    assert.ok(Number(fourth.headers['retry-after']) > 0);
    assert.match(String(fourth.headers.ratelimit), /"register";r=0/);
  });

  test('a 409 for an e-mail that has an account counts, as a success does', async () => {
    const ip = testIp();
    const taken = uniqueEmail();
    assert.equal((await register(ip, valid(taken))).statusCode, 201);
    assert.equal((await register(ip, valid(taken))).statusCode, 409);
    assert.equal((await register(ip, valid(taken.toUpperCase()))).statusCode, 409);
    assert.equal((await register(ip, valid())).statusCode, 429);
  });

  test('a refusal by the limit is a rate_limited event naming the register limit, and costs no account', async () => {
    const ip = testIp();
    for (let i = 0; i < 3; i++) assert.equal((await register(ip, valid())).statusCode, 201);
    const email = uniqueEmail();
    assert.equal((await register(ip, valid(email))).statusCode, 429);
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ details: { limiter: string } }>(
        `SELECT details FROM security_events WHERE event_type = 'rate_limited' AND ip = $1`,
        [ip],
      ),
    );
    assert.deepEqual(
      rows.map((row) => row.details.limiter),
      ['register'],
    );
    const users = await t.db.withOwner((q) => q.query('SELECT 1 FROM users WHERE email = $1', [email]));
    assert.equal(users.rows.length, 0);
  });

  test('the answers show both limits: the registration limit and the bound on every attempt', async () => {
    const ip = testIp();
    const ok = await register(ip, valid());
    assert.equal(ok.statusCode, 201);
    assert.equal(ok.headers['ratelimit-policy'], '"register-attempts";q=30;w=3600, "register";q=3;w=3600');
    assert.match(String(ok.headers.ratelimit), /^"register-attempts";r=29;t=\d+, "register";r=2;t=\d+$/);
    const mistake = await register(ip, { ...valid(), password: 'short' });
    assert.equal(mistake.statusCode, 422);
    assert.equal(mistake.headers['ratelimit-policy'], '"register-attempts";q=30;w=3600');
  });

  test('API4:2023 malformed requests are still bounded: ten times the limit, then 429 whatever the body', async () => {
    const ip = testIp();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await register(ip, { email: 'x' })).statusCode);
    assert.deepEqual(statuses.slice(0, 30), Array(30).fill(422));
    assert.equal(statuses[30], 429);
    const blocked = await register(ip, valid());
    assert.equal(blocked.statusCode, 429);
    assert.match(String(blocked.headers.ratelimit), /"register-attempts";r=0/);
  });
});
