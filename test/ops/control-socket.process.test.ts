// The embedded server's control socket as an operator meets it: a developer locks loopback out with
// three wrong logins, and `npx tradewise list-blocked-ips` / `unblock-ip` work while the server
// runs (the data directory is the server's; the command goes through DATA_DIR/control.sock). The
// socket serves a fixed set of commands only, is the owner's alone (0600), goes away on shutdown
// and is replaced when a crash left it behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { embeddedRunOnly } from '../helpers/app.ts';
import type { Finished, ServiceProcess } from '../helpers/process.ts';
import { finished, startService } from '../helpers/process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tw-control-'));
const socketPath = join(dataDir, 'control.sock');
const env = {
  DATA_DIR: dataDir,
  DATABASE_URL: '',
  REDIS_URL: '',
  BRUTE_FORCE_MAX_ATTEMPTS: '3',
  LOGIN_RATE_LIMIT: '1000/minute',
};

function cli(args: string[]): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return finished(child);
}

/** One raw exchange on the socket: what a client other than the command line could send. */
async function raw(payload: string): Promise<string> {
  const socket = createConnection(socketPath);
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    answer += chunk;
  });
  await once(socket, 'connect');
  socket.write(payload);
  await once(socket, 'close');
  return answer;
}

async function lockOutLoopback(service: ServiceProcess): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${service.url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'newcomer@example.com', password: `Typo-${i}-password!` }),
    });
    assert.equal(res.status, 401);
  }
}

describe('unblock-ip and list-blocked-ips while the embedded server runs', { skip: embeddedRunOnly }, () => {
  let service: ServiceProcess;
  before(async () => {
    service = await startService(env);
  });
  after(async () => {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the socket is in DATA_DIR, a socket, and only its owner may connect (0600)', () => {
    const stat = statSync(socketPath);
    assert.ok(stat.isSocket());
    assert.equal(stat.mode & 0o777, 0o600);
  });

  test('a locked-out developer reads how to get out, and the command line lets them out at once', async () => {
    await lockOutLoopback(service);
    const blocked = await fetch(`${service.url}/api/v1/users/me`);
    assert.equal(blocked.status, 403);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.match(
      ((await blocked.json()) as { detail: string }).detail,
      /run "npx tradewise unblock-ip 127\.0\.0\.1"/,
    );
    assert.equal((await fetch(`${service.url}/health`)).status, 200);
    assert.equal((await fetch(`${service.url}/docs/`)).status, 200);

    const listed = await cli(['list-blocked-ips']);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, row] = listed.stdout.trim().split('\n');
    assert.match(header as string, /^IP\s+REASON\s+BLOCKED AT\s+EXPIRES AT$/);
    assert.match(row as string, /^127\.0\.0\.1\s/);
    const asJson = await cli(['list-blocked-ips', '--json']);
    assert.deepEqual(
      (JSON.parse(asJson.stdout) as { items: { ip: string }[] }).items.map((b) => b.ip),
      ['127.0.0.1'],
    );

    const lifted = await cli(['unblock-ip', '127.0.0.1']);
    assert.equal(lifted.code, 0, lifted.stderr);
    assert.equal(lifted.stdout, 'block on 127.0.0.1 lifted\n');
    assert.equal((await fetch(`${service.url}/api/v1/users/me`)).status, 401, 'the block is gone at once');
    assert.match(service.output(), /IP block lifted from the command line/);

    const again = await cli(['unblock-ip', '127.0.0.1', '--json']);
    assert.equal(again.code, 3);
    assert.deepEqual(JSON.parse(again.stdout), { ip: '127.0.0.1', lifted: false });
  });

  test('the socket answers its fixed commands only, and bounds what it reads', async () => {
    assert.deepEqual(JSON.parse(await raw('{"command":"query","sql":"DELETE FROM ip_blocks"}\n')), {
      ok: false,
      error: 'unknown command',
    });
    assert.deepEqual(JSON.parse(await raw('{"command":"unblock-ip","ip":"127.0.0.1; DROP"}\n')), {
      ok: false,
      error: 'ip is not an IP address',
    });
    assert.deepEqual(JSON.parse(await raw('{"command":"list-blocked-ips","all":true}\n')), {
      ok: false,
      error: 'unknown field(s): all',
    });
    assert.deepEqual(JSON.parse(await raw('not json\n')), { ok: false, error: 'the request is not JSON' });
    assert.deepEqual(JSON.parse(await raw(`{"command":"${'x'.repeat(5000)}`)), {
      ok: false,
      error: 'request too large',
    });
    assert.equal((await fetch(`${service.url}/health`)).status, 200, 'the service is unaffected');
  });
});

describe('the control socket over the service lifetime', { skip: embeddedRunOnly }, () => {
  test('removed on shutdown; after a crash the command line works offline, and the next start replaces it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-control-'));
    const path = join(dir, 'control.sock');
    const run = (args: string[]) =>
      finished(
        spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
          env: { PATH: process.env.PATH, DATA_DIR: dir, LOG_LEVEL: 'silent' },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    try {
      const first = await startService({ ...env, DATA_DIR: dir });
      assert.ok(existsSync(path));
      assert.equal(await first.stop(), 0);
      assert.equal(existsSync(path), false, 'removed on shutdown');

      const crashed = await startService({ ...env, DATA_DIR: dir });
      await lockOutLoopback(crashed);
      await crashed.stop('SIGKILL');
      assert.ok(existsSync(path), 'a crash leaves the socket behind');
      const offline = await run(['list-blocked-ips', '--json']);
      assert.equal(offline.code, 0, offline.stderr);
      assert.deepEqual(
        (JSON.parse(offline.stdout) as { items: { ip: string }[] }).items.map((b) => b.ip),
        ['127.0.0.1'],
        'read from the data directory, the block kept there',
      );

      const next = await startService({ ...env, DATA_DIR: dir });
      try {
        assert.equal(
          (await fetch(`${next.url}/api/v1/users/me`)).status,
          403,
          'the block survived the crash',
        );
        const lifted = await run(['unblock-ip', '127.0.0.1']);
        assert.equal(lifted.code, 0, lifted.stderr);
        assert.equal((await fetch(`${next.url}/api/v1/users/me`)).status, 401);
      } finally {
        await next.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
