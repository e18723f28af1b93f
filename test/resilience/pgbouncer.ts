// A private PgBouncer in transaction pooling (the usual production set-up) in front of a PostgreSQL
// server, on a free loopback port, for one test file. PgBouncer refuses to run as root, so as root
// (CI) it runs as the `postgres` user through `runuser`, like pg-cluster.ts. auth_type trust still
// wants every user in the auth_file: the caller lists the users it will connect as.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/process.ts';

const BINARY = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));

export interface PgBouncer {
  port: number;
  /** `postgres://<user>@127.0.0.1:<port>/<database>` through the bouncer. */
  url(user: string, database: string): string;
  log(): string;
  stop(): Promise<void>;
}

/** Why a private PgBouncer cannot be started here, or undefined when it can. */
export function pgBouncerUnavailable(): string | undefined {
  if (BINARY === undefined) return 'pgbouncer not installed (Debian package pgbouncer)';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return 'running as root without a postgres user to run pgbouncer';
  }
  return undefined;
}

async function listening(port: number, deadline: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('pgbouncer did not start listening');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function bouncerPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pgbouncer.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startPgBouncer(server: { port: number }, users: string[]): Promise<PgBouncer> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-pgbouncer-'));
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const quote = (user: string) => `"${user.replaceAll('"', '""')}"`;
  writeFileSync(join(dir, 'users.txt'), users.map((user) => `${quote(user)} ""\n`).join(''));
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      // Few server connections per pool, so that consecutive transactions of one client really do
      // land on different server connections, and a leaked session lock would be met again.
      'default_pool_size = 3',
      'max_client_conn = 200',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      // Its own pid, to stop it by: as root the child is runuser, which does not pass SIGINT on.
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
    for (const file of ['users.txt', 'pgbouncer.ini']) chownSync(join(dir, file), uid, gid);
  }
  const ini = join(dir, 'pgbouncer.ini');
  const child = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', BINARY as string, ini], { stdio: 'ignore' })
    : spawn(BINARY as string, [ini], { stdio: 'ignore' });
  const exited = once(child, 'exit');
  const readLog = () => {
    try {
      return readFileSync(join(dir, 'pgbouncer.log'), 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await listening(port, Date.now() + 20_000, child);
  } catch (error) {
    const pid = bouncerPid(dir);
    if (pid !== undefined) signal(pid, 'SIGKILL');
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${readLog()}`);
  }
  return {
    port,
    url: (user, database) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`,
    log: readLog,
    async stop() {
      const pid = bouncerPid(dir);
      if (pid !== undefined) {
        // SIGINT is PgBouncer's "shut down now"; SIGKILL if it has not gone within 5 s.
        signal(pid, 'SIGINT');
        const deadline = Date.now() + 5_000;
        while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        if (alive(pid)) signal(pid, 'SIGKILL');
      }
      if (child.exitCode === null) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
