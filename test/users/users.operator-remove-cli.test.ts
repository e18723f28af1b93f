// `tradewise remove-operator`: the way to take the operator role away, effective at once. The role
// is in every access token's `roles` claim, so the command must refuse the tokens already issued,
// not only change the row. Server shape: the service runs meanwhile and refuses the old token on
// the next request (the shared Redis carries the revocation). Embedded: the running process holds
// the database, so the command runs while it is stopped, and the restarted service refuses it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { PLATFORM_TENANT_ID } from '../../src/features/users/operators.ts';
import { MIRRORED_PREFIXES } from '../../src/mirrored-keys.ts';
import { migrate } from '../../src/platform/db/index.ts';
import { createPgliteDatabase } from '../../src/platform/db/pglite.ts';
import { createRedisStore } from '../../src/platform/store/redis.ts';
import { AUTH_TEST_ENV, bearer, login, loginOk, PASSWORD, register, uniqueEmail } from '../auth/support.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestDatabase, redisShape, serverShape } from '../helpers/app.ts';
import type { Finished } from '../helpers/process.ts';
import { finished } from '../helpers/process.ts';

const dataDir = `/tmp/tradewise-operator-remove-${randomUUID()}`;
// The command's store and the app's must be the same keys for the live case.
const keyPrefix = `tw-test-op-${randomUUID()}:`;

async function cli(command: string, args: string[], stdin = ''): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', command, ...args], {
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      PASSWORD_HASH_COST: '4',
      REDIS_KEY_PREFIX: keyPrefix,
      ...(serverShape ? { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = finished(child);
  child.stdin.end(stdin);
  return done;
}

async function openApp(): Promise<TestApp> {
  const db = serverShape ? await createTestDatabase() : await createPgliteDatabase({ dataDir });
  if (!serverShape) await migrate(db);
  const store = redisShape
    ? createRedisStore({
        mirroredPrefixes: MIRRORED_PREFIXES,
        url: process.env.REDIS_URL as string,
        keyPrefix,
      })
    : undefined;
  const app = await buildTestApp(AUTH_TEST_ENV, { db, ...(store ? { store } : {}) });
  await app.app.ready();
  return app;
}

async function closeApp(app: TestApp | undefined): Promise<void> {
  // The database and the store were handed to the app, so they are closed here, not by it.
  await app?.close();
  await app?.db.close();
  await app?.store.close();
}

const opsRead = (t: TestApp, token: string) =>
  t.app.inject({ method: 'GET', url: '/api/v1/ops/security-events', headers: bearer(token) });

describe('tradewise remove-operator', () => {
  const operator = uniqueEmail('op-remove');
  const customer = uniqueEmail('op-remove-customer');
  const scripted = uniqueEmail('op-remove-json');
  let t: TestApp | undefined;
  let oldToken = '';
  const runs: Record<string, Finished> = {};

  before(async () => {
    const created = await cli('create-operator', ['--email', operator, '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(created.code, 0, created.stderr);
    const second = await cli('create-operator', ['--email', scripted, '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(second.code, 0, second.stderr);
    t = await openApp();
    await register(t, { email: customer });
    oldToken = (await loginOk(t, operator)).access_token;
    assert.equal((await opsRead(t, oldToken)).statusCode, 200, 'the operator reads /ops before');
    if (!redisShape) {
      await closeApp(t);
      t = undefined;
    }
    runs.remove = await cli('remove-operator', ['--email', operator]);
    runs.again = await cli('remove-operator', ['--email', operator]);
    runs.customer = await cli('remove-operator', ['--email', customer]);
    runs.unknown = await cli('remove-operator', ['--email', uniqueEmail('nobody')]);
    runs.usage = await cli('remove-operator', []);
    runs.json = await cli('remove-operator', ['--email', scripted, '--json']);
    t ??= await openApp();
  });
  after(async () => {
    await closeApp(t);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("the operator's token issued before is refused at once, and no new login gets the role", async () => {
    assert.equal(runs.remove?.code, 0, runs.remove?.stderr);
    assert.match(runs.remove?.stdout ?? '', /operator role removed/);
    const app = t as TestApp;
    assert.equal((await opsRead(app, oldToken)).statusCode, 401);
    // The account had no other role: it is deactivated, so a new login gets nothing either.
    const again = await login(app, operator);
    assert.notEqual(again.statusCode, 200);
    const { rows } = await app.db.withOwner((q) =>
      q.query<{ roles: string[]; is_active: boolean }>(
        'SELECT roles, is_active FROM users WHERE tenant_id = $1 AND email = $2',
        [PLATFORM_TENANT_ID, operator],
      ),
    );
    assert.deepEqual(rows[0], { roles: ['user'], is_active: false });
  });

  test('the removal is in the platform tenant audit trail', async () => {
    const { rows } = await (t as TestApp).db.withOwner((q) =>
      q.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'user.revoke_operator'",
        [PLATFORM_TENANT_ID],
      ),
    );
    assert.ok((rows[0]?.n ?? 0) >= 1);
  });

  test('a non-operator, a customer or an unknown e-mail is refused with a message and a non-zero exit', () => {
    assert.equal(runs.again?.code, 1);
    assert.match(runs.again?.stderr ?? '', /not an operator/);
    assert.equal(runs.customer?.code, 1);
    assert.match(runs.customer?.stderr ?? '', /no platform operator account/);
    assert.equal(runs.unknown?.code, 1);
    assert.equal(runs.usage?.code, 64);
    assert.match(
      runs.usage?.stderr ?? '',
      /^tradewise remove-operator: --email is required\n\nusage: tradewise remove-operator/,
    );
  });

  test('--json reports the removal as data', () => {
    assert.equal(runs.json?.code, 0, runs.json?.stderr);
    const report = JSON.parse(runs.json?.stdout ?? '');
    assert.deepEqual([report.email, report.sessions_ended, report.deactivated], [scripted, 0, true]);
    assert.match(report.user_id, /^[0-9a-f-]{36}$/);
  });
});
