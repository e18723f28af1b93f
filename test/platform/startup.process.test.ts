// Issue 16: what a new user reads when start-up goes wrong, from the real process. Each failing
// start names the setting to fix and never a password; a degraded start (Redis down) says what
// answers 503 instead of only "tradewise ready"; a taken port is said before the slow work.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { freePort, runServiceExpectingExit, startService } from '../helpers/process.ts';

const serverShape = Boolean(process.env.DATABASE_URL);
const freshDir = () => mkdtempSync(join(tmpdir(), 'tw-startup-'));
const embedded = (dataDir: string) => ({ DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' });

/** The service's JSON log lines (the last line of a failed start is plain text on stderr). */
function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('start-up messages', () => {
  test('a port already in use is reported before the database is opened, naming PORT and HOST', async () => {
    const holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const { port } = holder.address() as { port: number };
    const dataDir = freshDir();
    try {
      const { code, output } = await runServiceExpectingExit(embedded(dataDir), { port });
      assert.equal(code, 1, output);
      assert.match(
        output,
        new RegExp(`failed to start: port ${port} on 127\\.0\\.0\\.1 is already in use \\(PORT, HOST\\)`),
      );
      // Said at once: before PGlite created its cluster, before migrations, before secrets.
      assert.doesNotMatch(output, /migrations applied/);
      assert.equal(existsSync(join(dataDir, 'pglite')), false, 'the database was never opened');
      assert.equal(existsSync(join(dataDir, 'secrets.json')), false);
    } finally {
      holder.close();
    }
  });

  test('PostgreSQL refusing the connection names DATABASE_URL and its address, never the password', async () => {
    const port = await freePort();
    const { code, output } = await runServiceExpectingExit({
      ...embedded(freshDir()),
      DATABASE_URL: `postgres://app:pw-never-shown@127.0.0.1:${port}/tradewise`,
    });
    assert.equal(code, 1, output);
    assert.match(
      output,
      new RegExp(
        `failed to start: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port} \\(DATABASE_URL\\): connection refused`,
      ),
    );
    assert.doesNotMatch(output, /ECONNREFUSED 127/, "Node's words are replaced, not repeated");
    assert.ok(!output.includes('pw-never-shown'));
  });

  test('with MIGRATION_DATABASE_URL, its failure names MIGRATION_DATABASE_URL', async () => {
    const [owner, runtime] = [await freePort(), await freePort()];
    const { code, output } = await runServiceExpectingExit({
      ...embedded(freshDir()),
      MIGRATION_DATABASE_URL: `postgres://owner:owner-secret@127.0.0.1:${owner}/tradewise`,
      DATABASE_URL: `postgres://app:app-secret@127.0.0.1:${runtime}/tradewise`,
    });
    assert.equal(code, 1, output);
    assert.match(
      output,
      new RegExp(
        `cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${owner} \\(MIGRATION_DATABASE_URL\\): connection refused`,
      ),
    );
    assert.ok(!output.includes('owner-secret') && !output.includes('app-secret'));
  });

  test('an unknown database is named with the variable', {
    skip: serverShape ? false : 'needs DATABASE_URL (a real PostgreSQL)',
  }, async () => {
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = '/tw_no_such_database_16';
    const { code, output } = await runServiceExpectingExit({
      ...embedded(freshDir()),
      DATABASE_URL: url.toString(),
    });
    assert.equal(code, 1, output);
    assert.match(
      output,
      new RegExp(
        `cannot connect to PostgreSQL at ${url.hostname}:${url.port || 5432} \\(DATABASE_URL\\): database "tw_no_such_database_16" does not exist`,
      ),
    );
  });

  test('a weak SECRET_KEY in development starts with a warning naming it, never its value', async () => {
    // The warning comes before the database is opened: a refused DATABASE_URL ends the run at once.
    const { output } = await runServiceExpectingExit({
      ...embedded(freshDir()),
      SECRET_KEY: 'tiny-key',
      DATABASE_URL: `postgres://app@127.0.0.1:${await freePort()}/tradewise`,
    });
    const warning = jsonLines(output).find((line) => String(line.message).startsWith('weak secret'));
    assert.ok(warning, output);
    assert.equal(warning.level, 'warn');
    assert.equal(warning.setting, 'SECRET_KEY');
    assert.match(String(warning.message), /SECRET_KEY is shorter than 32 bytes; production would refuse it/);
    assert.ok(!output.includes('tiny-key'));
  });

  test('Redis unreachable at start: a warning names REDIS_URL and what answers 503, and the ready line says so', async () => {
    const redisPort = await freePort();
    const service = await startService({
      ...embedded(freshDir()),
      DATABASE_URL: process.env.DATABASE_URL ?? '',
      REDIS_URL: `redis://:redis-secret@127.0.0.1:${redisPort}/0`,
      REDIS_KEY_PREFIX: `tw-startup:${redisPort}:`,
    });
    try {
      const lines = jsonLines(service.output());
      const warning = lines.find((line) =>
        String(line.message).startsWith('state store unavailable at start-up'),
      );
      assert.ok(warning, service.output());
      assert.equal(warning.setting, 'REDIS_URL');
      assert.equal(warning.target, `redis://127.0.0.1:${redisPort}/0`);
      assert.match(
        String(warning.message),
        /\/ready and every request that carries an access token .* answer 503/,
      );
      const ready = lines.find((line) => line.message === 'tradewise ready');
      assert.equal(ready?.state_store_available, false);
      assert.ok(!service.output().includes('redis-secret'));

      // What the warning says, as a client meets it.
      assert.equal((await fetch(`${service.url}/ready`)).status, 503);
      assert.equal((await fetch(`${service.url}/health`)).status, 200);
      const account = { email: `startup-${redisPort}@example.test`, password: 'Start-Up-Pass-16!' };
      const registered = await fetch(`${service.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...account, full_name: 'Start Up' }),
      });
      assert.equal(registered.status, 201, 'registration keeps working');
      const login = await fetch(`${service.url}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(account),
      });
      assert.equal(login.status, 200, 'log-in keeps working');
      const { access_token: token } = (await login.json()) as { access_token: string };
      const me = await fetch(`${service.url}/api/v1/users/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(me.status, 503, 'a request with an access token answers 503');
    } finally {
      assert.equal(await service.stop(), 0);
    }
  });
});
