import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp } from '../helpers/app.ts';
import { AUTH_TEST_ENV, PASSWORD, register, uniqueEmail } from './support.ts';

describe('POST /auth/register', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp(AUTH_TEST_ENV);
    await t.app.ready();
  });
  after(() => t.close());

  const post = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload });

  test('creates a tenant and its first user with roles admin and user, never returning the hash', async () => {
    const email = uniqueEmail();
    const res = await post({
      email,
      password: PASSWORD,
      full_name: 'Ada Trader',
      tenant_name: 'Ada Capital',
    });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['cache-control'], 'no-store');
    const user = res.json();
    assert.deepEqual(Object.keys(user).sort(), [
      'created_at',
      'email',
      'full_name',
      'id',
      'is_active',
      'roles',
      'tenant_id',
      'updated_at',
    ]);
    assert.deepEqual(user.roles, ['admin', 'user']);
    assert.equal(user.is_active, true);
    assert.doesNotMatch(res.body, /\$2b\$/);
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [user.tenant_id]),
    );
    assert.deepEqual(rows, [{ name: 'Ada Capital' }]);
  });

  test('each registration gets its own tenant', async () => {
    const a = await register(t);
    const b = await register(t);
    assert.notEqual(a.tenantId, b.tenantId);
  });

  test('the password is stored as a $2b$ bcrypt hash at the configured cost', async () => {
    const account = await register(t);
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [account.userId]),
    );
    assert.match(rows[0]?.password_hash ?? '', /^\$2b\$04\$[./A-Za-z0-9]{53}$/);
  });

  test('the e-mail is stored normalised: trimmed, NFC, lower-case', async () => {
    const local = `Ze\u0301-${Date.now()}`; // "e" + combining acute: NFC turns it into "é"
    const res = await post({ email: `  ${local}@Example.TEST `, password: PASSWORD, full_name: 'Zoé' });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().email, `${local.normalize('NFC').toLowerCase()}@example.test`);
  });

  test('an e-mail already registered, in any tenant and any spelling, is a 409', async () => {
    const account = await register(t);
    const res = await post({
      email: ` ${account.email.toUpperCase()}`,
      password: PASSWORD,
      full_name: 'Copy',
    });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), { detail: 'Email already registered', code: 'EMAIL_ALREADY_REGISTERED' });
    const { rows } = await t.db.withOwner((q) =>
      q.query('SELECT 1 FROM users WHERE email = $1', [account.email]),
    );
    assert.equal(rows.length, 1);
  });

  test('concurrent registrations of one e-mail create exactly one user', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      [1, 2, 3].map(() => post({ email, password: PASSWORD, full_name: 'Racer' })),
    );
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409]);
  });

  for (const email of ['not-an-email', 'a@b', '@example.test', 'two@@example.test', 'sp ace@example.test']) {
    test(`an invalid e-mail (${JSON.stringify(email)}) is a 422 at body.email`, async () => {
      const res = await post({ email, password: PASSWORD, full_name: 'X' });
      assert.equal(res.statusCode, 422);
      assert.deepEqual(res.json().detail[0].loc, ['body', 'email']);
    });
  }

  test('an e-mail longer than 254 characters is refused', async () => {
    const res = await post({
      email: `${'a'.repeat(64)}@${'b'.repeat(190)}.test`,
      password: PASSWORD,
      full_name: 'X',
    });
    assert.equal(res.statusCode, 422);
  });

  test("each broken rule of the seed's policy is reported with its message at body.password", async () => {
    const res = await post({ email: uniqueEmail(), password: 'abc', full_name: 'X' });
    assert.equal(res.statusCode, 422);
    const body = res.json();
    assert.equal(body.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      body.detail.map((d: { msg: string }) => d.msg),
      [
        'Password must be at least 8 characters long',
        'Password must contain at least one uppercase letter',
        'Password must contain at least one digit',
        'Password must contain at least one special character: !@#$%^&*(),.?":{}|<>',
      ],
    );
    for (const issue of body.detail) assert.deepEqual(issue.loc, ['body', 'password']);
  });

  test('a password whose only symbol is a hyphen is told which characters count as special', async () => {
    const res = await post({ email: uniqueEmail(), password: 'Kelp-Moth-2024', full_name: 'X' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(
      res.json().detail.map((d: { msg: string }) => d.msg),
      ['Password must contain at least one special character: !@#$%^&*(),.?":{}|<>'],
    );
  });

  test('a password over 72 bytes is refused rather than silently truncated', async () => {
    const res = await post({ email: uniqueEmail(), password: `Aa1!${'x'.repeat(69)}`, full_name: 'X' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(
      res.json().detail.map((d: { msg: string }) => d.msg),
      ['Password must be at most 72 bytes'],
    );
  });

  test('a 64-character password is accepted', async () => {
    const password = `Aa1!${'q7Zk'.repeat(15)}`;
    assert.equal(password.length, 64);
    await register(t, { password });
  });

  test('a common password is refused even when it satisfies the character rules', async () => {
    const res = await post({ email: uniqueEmail(), password: 'Password123!', full_name: 'X' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(
      res.json().detail.map((d: { msg: string }) => d.msg),
      ['Password is too common'],
    );
  });

  test('unknown fields and a missing full name are refused', async () => {
    const extra = await post({ email: uniqueEmail(), password: PASSWORD, full_name: 'X', roles: ['admin'] });
    assert.equal(extra.statusCode, 422);
    assert.deepEqual(extra.json().detail[0].loc, ['body', 'roles']);
    const missing = await post({ email: uniqueEmail(), password: PASSWORD });
    assert.equal(missing.statusCode, 422);
  });

  test('registration is audited in the new tenant', async () => {
    const account = await register(t);
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ action: string; actor_user_id: string }>(
        'SELECT action, actor_user_id FROM audit_log WHERE tenant_id = $1',
        [account.tenantId],
      ),
    );
    assert.deepEqual(rows, [{ action: 'user.register', actor_user_id: account.userId }]);
  });
});
