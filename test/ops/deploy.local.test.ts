// ops/deploy/run-local.sh: two production-mode instances against the machine's PostgreSQL and
// Redis, checked end to end (ready, /metrics, HTTPS, an account across instances, migrations once),
// then torn down. Needs the server shape: DATABASE_URL and REDIS_URL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import pg from 'pg';
import { runtimeRoleName } from '../../src/platform/db/runtime-role.ts';

const databaseUrl = process.env.DATABASE_URL ?? '';
const redisUrl = process.env.REDIS_URL ?? '';
const skip =
  databaseUrl === '' || redisUrl === ''
    ? 'skipped: run-local.sh needs DATABASE_URL and REDIS_URL (the server shape)'
    : false;

test('run-local.sh starts two instances, checks them end to end and cleans up', {
  skip,
  timeout: 240_000,
}, async () => {
  // Same server as the tests' database, connecting to its maintenance database to create its own.
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const child = spawn('bash', ['ops/deploy/run-local.sh'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PG_ADMIN_URL: admin.href, REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /^not ok/m);
  assert.match(output, /^ok - instance 1 is ready/m);
  assert.match(output, /^ok - instance 2 serves \/metrics/m);
  assert.match(output, /^ok - instance 2 refuses plain HTTP/m);
  assert.match(output, /^# topology checks passed$/m);
  assert.match(output, /^ok - all \d+ migrations applied, once, by one of the two instances$/m);
  const dropped = /^# dropped database (tw_local_\w+)$/m.exec(output);
  assert.ok(dropped, output);
  // Its runtime login role is cluster-wide: the clean-up drops it with the database.
  const client = new pg.Client({ connectionString: admin.href });
  await client.connect();
  try {
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
      runtimeRoleName(dropped[1] as string),
    ]);
    assert.equal(role.rowCount, 0);
  } finally {
    await client.end();
  }
});
