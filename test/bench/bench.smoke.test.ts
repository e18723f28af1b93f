// Smoke test of the benchmark harness (`npm run bench`), server shape only: a `--quick` run must
// produce the complete JSON result and leave nothing behind. Whether the targets are met depends on
// the machine, so the pass/fail verdict itself is not asserted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { redisKeys } from '../../bench/setup.ts';
import { runtimeRoleName } from '../../src/platform/db/runtime-role.ts';
import { finished } from '../helpers/process.ts';

const { DATABASE_URL, REDIS_URL } = process.env;
const skip =
  DATABASE_URL === undefined || REDIS_URL === undefined ? 'needs DATABASE_URL and REDIS_URL' : false;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  result: Record<string, unknown> & {
    run: { database: string; redisPrefix: string; pids: Record<string, number> };
    targets: { target: string; measured: string; pass: boolean }[];
  };
}

async function runQuickBench(): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), 'tw-bench-smoke-'));
  try {
    const out = join(dir, 'result.json');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--only=read,login', `--out=${out}`],
      {
        // The bench creates its own database next to DATABASE_URL's and uses REDIS_URL under its own prefix.
        env: { ...process.env, BENCH_POSTGRES_URL: DATABASE_URL, BENCH_REDIS_URL: REDIS_URL },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const killer = setTimeout(() => child.kill('SIGINT'), 50_000);
    const run = await finished(child);
    clearTimeout(killer);
    const result = JSON.parse(await readFile(out, 'utf8').catch(() => 'null')) as Run['result'];
    return { ...run, result };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function assertFigures(figures: unknown, name: string): void {
  const f = figures as Record<string, unknown>;
  for (const field of ['rps', 'p50Ms', 'p99Ms', 'maxMs', 'ok', 'failed', 'seconds']) {
    assert.equal(typeof f[field], 'number', `${name}.${field}`);
    assert.ok((f[field] as number) >= 0, `${name}.${field} is not negative`);
  }
}

describe('npm run bench -- --quick (server shape)', () => {
  let run: Run;

  test('runs to a verdict (0 or 1), never to a failure of the run itself (2)', { skip }, async () => {
    run = await runQuickBench();
    assert.ok(run.code === 0 || run.code === 1, `exit ${run.code}\n${run.stderr}`);
    assert.notEqual(run.result, null, 'the JSON result was written');
  });

  test('the JSON holds the command, the machine, both read loads, the login figures and the memory peak', {
    skip,
  }, () => {
    const { result } = run;
    assert.match(String(result.command), /^(BENCH_\S+ )*npm run bench -- --quick --only=read,login/);
    assert.equal(typeof (result.machine as { cores: unknown }).cores, 'number');
    const read = result.read as Record<string, unknown>;
    assertFigures(read.floor, 'read.floor');
    assertFigures(read.service, 'read.service');
    assert.ok((read.floor as { ok: number }).ok > 0, 'the floor answered');
    assert.ok((read.service as { ok: number }).ok > 0, 'the service answered');
    assert.equal(typeof read.rpsRatio, 'number');
    assert.equal(typeof read.p99Ratio, 'number');
    const login = result.login as Record<string, unknown>;
    const bcrypt = login.bcrypt as { cost: number; hashMs: number; limit: number };
    assert.equal(bcrypt.cost, 12);
    assert.ok(bcrypt.hashMs > 0 && bcrypt.limit > 0);
    assertFigures(login.login, 'login.login');
    assertFigures(login.readDuringFlood, 'login.readDuringFlood');
    assertFigures(login.loginDuringFlood, 'login.loginDuringFlood');
    assert.ok((result.memory as { peakRssMb: number }).peakRssMb > 0);
    assert.equal(result.embedded, null, '--only leaves the embedded shape out');
  });

  test('every target of the issue has a verdict, and the run passes only when all of them do', {
    skip,
  }, () => {
    const names = run.result.targets.map((t) => t.target);
    for (const expected of [
      /req\/s >= 0.7x floor/,
      /p99 <= 2x floor/,
      /bcrypt limit/,
      /during login flood/,
      /RSS/,
    ]) {
      assert.ok(
        names.some((n) => expected.test(n)),
        `${expected} in ${names.join(', ')}`,
      );
    }
    assert.equal(
      run.result.pass,
      run.result.targets.every((t) => t.pass),
    );
    assert.equal(run.code, run.result.pass ? 0 : 1);
    for (const t of run.result.targets) assert.ok(run.stdout.includes(t.target), `table shows ${t.target}`);
  });

  test('leaves no database, no Redis key under its prefix and no process behind', { skip }, async () => {
    const { database, redisPrefix, pids } = run.result.run;
    assert.match(database, /^tw_bench_/);
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      assert.equal(rowCount, 0);
      const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
        runtimeRoleName(database),
      ]);
      assert.equal(role.rowCount, 0, 'its runtime login role is dropped too');
    } finally {
      await client.end();
    }
    assert.equal(await redisKeys(REDIS_URL as string, redisPrefix), 0);
    assert.deepEqual(Object.keys(pids).sort(), ['floor', 'service']);
    for (const pid of Object.values(pids)) {
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `process ${pid} is gone`);
    }
  });
});
