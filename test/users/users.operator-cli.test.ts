// `tradewise create-operator`: the only way to grant the operator role, run as an operator would —
// a separate process against the configured storage (a PGlite directory, or the test PostgreSQL).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { PLATFORM_TENANT_ID } from '../../src/features/users/operators.ts';
import { migrate } from '../../src/platform/db/index.ts';
import { createPgliteDatabase } from '../../src/platform/db/pglite.ts';
import { decodePayload } from '../auth/forge.ts';
import { AUTH_TEST_ENV, bearer, login, loginOk, PASSWORD, register, uniqueEmail } from '../auth/support.ts';
import type { TestApp } from '../helpers/app.ts';
import { buildTestApp, createTestDatabase, serverShape } from '../helpers/app.ts';
import type { Finished } from '../helpers/process.ts';
import { finished } from '../helpers/process.ts';

const dataDir = `/tmp/tradewise-operator-cli-${randomUUID()}`;

async function cli(args: string[], stdin?: string): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'create-operator', ...args], {
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      PASSWORD_HASH_COST: '4',
      ...(serverShape ? { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = finished(child);
  child.stdin.end(stdin ?? '');
  return done;
}

describe('tradewise create-operator', () => {
  const fromArgs = uniqueEmail('op-args');
  const fromStdin = uniqueEmail('op-stdin');
  const customer = uniqueEmail('customer');
  const runs: Record<string, Awaited<ReturnType<typeof cli>>> = {};
  let t: TestApp;

  before(async () => {
    // A customer account made first, through the API, on the storage the command will open.
    const setup = await openApp();
    await register(setup, { email: customer });
    await closeApp(setup);

    runs.args = await cli(['--email', fromArgs, '--password', PASSWORD, '--full-name', 'Olga Operator']);
    runs.stdin = await cli(['--email', fromStdin, '--password-stdin'], `${PASSWORD}\n`);
    runs.again = await cli(['--email', fromStdin, '--password-stdin'], `${PASSWORD}\n`);
    runs.customer = await cli(['--email', customer, '--password-stdin'], `${PASSWORD}\n`);
    runs.weak = await cli(['--email', uniqueEmail('op-weak'), '--password-stdin'], 'password\n');
    runs.usage = await cli(['--password', PASSWORD]);
    t = await openApp();
  });
  after(async () => {
    await closeApp(t);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function openApp(): Promise<TestApp> {
    const db = serverShape ? await createTestDatabase() : await createPgliteDatabase({ dataDir });
    if (!serverShape) await migrate(db);
    const app = await buildTestApp(AUTH_TEST_ENV, { db });
    await app.app.ready();
    return app;
  }
  async function closeApp(app: TestApp | undefined): Promise<void> {
    await app?.close();
    await app?.db.close();
  }

  test('creates an operator from arguments or stdin, who logs in with roles ["operator"] in the platform tenant', async () => {
    assert.equal(runs.args?.code, 0, runs.args?.stderr);
    assert.match(runs.args?.stdout ?? '', /created operator/);
    assert.equal(runs.stdin?.code, 0, runs.stdin?.stderr);
    for (const email of [fromArgs, fromStdin]) {
      const claims = decodePayload((await loginOk(t, email)).access_token);
      assert.deepEqual(claims.roles, ['operator']);
      assert.equal(claims.tenant_id, PLATFORM_TENANT_ID);
    }
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: bearer((await loginOk(t, fromArgs)).access_token),
    });
    assert.equal(me.json().full_name, 'Olga Operator');
  });

  test('running it again for an operator changes nothing', () => {
    assert.equal(runs.again?.code, 0);
    assert.match(runs.again?.stdout ?? '', /already an operator/);
  });

  test('a customer account is never turned into an operator', async () => {
    assert.equal(runs.customer?.code, 1);
    assert.match(runs.customer?.stderr ?? '', /customer tenant/);
    const claims = decodePayload((await loginOk(t, customer)).access_token);
    assert.deepEqual(claims.roles, ['admin', 'user']);
  });

  test('the password policy applies, and bad usage says how to call it', async () => {
    assert.equal(runs.weak?.code, 65);
    assert.match(runs.weak?.stderr ?? '', /Password/);
    assert.equal(runs.usage?.code, 64);
    assert.match(runs.usage?.stderr ?? '', /usage: tradewise create-operator/);
    assert.equal((await login(t, fromArgs, 'password')).statusCode, 401);
  });

  test("the grant is in the platform tenant's audit trail, and no tenant admin can see or change operators", async () => {
    const { rows } = await t.db.withOwner((q) =>
      q.query<{ action: string }>("SELECT action FROM audit_log WHERE tenant_id = $1 AND method = 'CLI'", [
        PLATFORM_TENANT_ID,
      ]),
    );
    assert.ok(rows.filter((r) => r.action === 'user.create_operator').length >= 2);
    const admin = await loginOk(t, (await register(t)).email);
    const listing = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: bearer(admin.access_token),
    });
    assert.doesNotMatch(listing.body, /op-args|op-stdin/);
    const operatorId = decodePayload((await loginOk(t, fromArgs)).access_token).user_id as string;
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${operatorId}`,
      headers: bearer(admin.access_token),
      payload: { is_active: false },
    });
    assert.equal(patch.statusCode, 404);
  });
});
