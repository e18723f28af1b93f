// `tradewise create-operator`: the only way to grant the operator role, run as an operator would —
// a separate process against the configured storage (a PGlite directory, or the test PostgreSQL).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
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

const cliEnv = {
  PATH: process.env.PATH,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  PASSWORD_HASH_COST: '4',
  ...(serverShape ? { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL } : {}),
};

async function cli(args: string[], stdin?: string): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'create-operator', ...args], {
    env: cliEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = finished(child);
  child.stdin.end(stdin ?? '');
  return done;
}

const hasScript = spawnSync('script', ['--version']).status === 0;

interface Terminal {
  code: number | null;
  output: string;
}

/**
 * Runs the command on a pseudo-terminal (script(1)), typing each answer once its prompt shows;
 * returns everything the terminal displayed.
 */
async function onTerminal(args: string[], answers: string[]): Promise<Terminal> {
  const command = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'create-operator', ...args]
    .map((word) => `'${word}'`)
    .join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: cliEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const pending = [...answers];
  let prompts = 0;
  child.stdout.on('data', (chunk) => {
    output += chunk;
    // Each prompt ends with ": "; answer it once, as a person would.
    const seen = output.split(/password(?: \(again\))?: /).length - 1;
    while (prompts < seen && pending.length > 0) {
      prompts++;
      child.stdin.write(`${pending.shift()}\r`);
    }
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  child.stdin.end();
  return { code, output };
}

describe('tradewise create-operator', () => {
  const fromArgs = uniqueEmail('op-args');
  const fromStdin = uniqueEmail('op-stdin');
  const customer = uniqueEmail('customer');
  const inArguments = uniqueEmail('op-in-args');
  const notGiven = uniqueEmail('op-not-given');
  const onTty = uniqueEmail('op-tty');
  const terminal: Record<string, Terminal> = {};
  const runs: Record<string, Awaited<ReturnType<typeof cli>>> = {};
  let t: TestApp;

  before(async () => {
    // A customer account made first, through the API, on the storage the command will open.
    const setup = await openApp();
    await register(setup, { email: customer });
    await closeApp(setup);

    runs.args = await cli(
      ['--email', fromArgs, '--password-stdin', '--full-name', 'Olga Operator', '--json'],
      `${PASSWORD}\n`,
    );
    runs.stdin = await cli(['--email', fromStdin, '--password-stdin'], `${PASSWORD}\n`);
    runs.again = await cli(['--email', fromStdin, '--password-stdin'], `${PASSWORD}\n`);
    runs.customer = await cli(['--email', customer, '--password-stdin'], `${PASSWORD}\n`);
    runs.weak = await cli(['--email', uniqueEmail('op-weak'), '--password-stdin'], 'password\n');
    runs.usage = await cli(['--password-stdin'], `${PASSWORD}\n`);
    runs.inArguments = await cli(['--email', inArguments, '--password', PASSWORD]);
    runs.notTerminal = await cli(['--email', notGiven], `${PASSWORD}\n`);
    runs.emptyStdin = await cli(['--email', notGiven, '--password-stdin'], '');
    runs.help = await cli(['--help']);
    if (hasScript) {
      terminal.same = await onTerminal(['--email', onTty], [PASSWORD, PASSWORD]);
      terminal.differ = await onTerminal(
        ['--email', uniqueEmail('op-tty-differ')],
        [PASSWORD, `${PASSWORD}x`],
      );
    }
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

  test('creates an operator from --password-stdin, who logs in with roles ["operator"] in the platform tenant', async () => {
    assert.equal(runs.args?.code, 0, runs.args?.stderr);
    const created = JSON.parse(runs.args?.stdout ?? '');
    assert.deepEqual([created.outcome, created.email], ['created', fromArgs]);
    assert.match(created.user_id, /^[0-9a-f-]{36}$/);
    assert.equal(runs.stdin?.code, 0, runs.stdin?.stderr);
    assert.match(runs.stdin?.stdout ?? '', /^created operator /);
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

  test('the password policy applies, and bad usage says what was wrong, then how to call it', async () => {
    assert.equal(runs.weak?.code, 65);
    assert.match(runs.weak?.stderr ?? '', /password: Password/);
    assert.equal(runs.usage?.code, 64);
    assert.match(
      runs.usage?.stderr ?? '',
      /^tradewise create-operator: --email is required\n\nusage: tradewise create-operator /,
    );
    assert.equal((await login(t, fromArgs, 'password')).statusCode, 401);
  });

  test('a password in the arguments works with a warning; a missing one is asked for, not judged by the policy', async () => {
    assert.equal(runs.inArguments?.code, 0, runs.inArguments?.stderr);
    assert.match(
      runs.inArguments?.stderr ?? '',
      /warning: a password in the arguments is visible in ps and the shell history/,
    );
    assert.ok(!(runs.inArguments?.stderr ?? '').includes(PASSWORD), 'the warning does not repeat it');
    assert.equal((await login(t, inArguments, PASSWORD)).statusCode, 200);
    assert.equal(runs.notTerminal?.code, 64);
    assert.match(
      runs.notTerminal?.stderr ?? '',
      /no password: stdin is not a terminal to prompt on; pipe the password in with --password-stdin/,
    );
    assert.equal(runs.emptyStdin?.code, 64);
    assert.match(runs.emptyStdin?.stderr ?? '', /--password-stdin: stdin held no password/);
    for (const run of [runs.notTerminal, runs.emptyStdin]) {
      assert.doesNotMatch(
        run?.stderr ?? '',
        /Password must|at least 8/,
        'no policy failures for a password never given',
      );
    }
    assert.equal((await login(t, notGiven, PASSWORD)).statusCode, 401, 'no account was made');
  });

  test('--help prints the usage and every option on stdout and exits 0', () => {
    assert.equal(runs.help?.code, 0);
    assert.equal(runs.help?.stderr, '');
    for (const option of ['--email <e-mail>', '--password-stdin', '--full-name <name>', '--json', '--help']) {
      assert.ok(runs.help?.stdout.includes(option), option);
    }
    assert.match(
      runs.help?.stdout ?? '',
      /--password <password> +the password itself: insecure/,
      'marked insecure',
    );
  });

  test('on a terminal it prompts twice without echo, and the password never shows', {
    skip: !hasScript && 'util-linux script(1) is not installed',
  }, async () => {
    const run = terminal.same as Terminal;
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /password: /);
    assert.match(run.output, /password \(again\): /);
    assert.match(run.output, /created operator/);
    assert.ok(!run.output.includes(PASSWORD), 'nothing typed is echoed');
    assert.equal((await login(t, onTty, PASSWORD)).statusCode, 200);

    const differ = terminal.differ as Terminal;
    assert.equal(differ.code, 64, differ.output);
    assert.match(differ.output, /the passwords differ/);
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
