// A private PostgreSQL cluster for one test file: initdb into a temporary directory, served on a
// free loopback port, stopped and started at will, removed at the end. PostgreSQL refuses to run
// as root, so as root (CI) the cluster belongs to the `postgres` user and every command runs
// through `runuser -u postgres --`.
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/process.ts';

const run = promisify(execFile);
const BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

export interface PgCluster {
  url: string;
  /** Stops the server: `immediate` is a crash (no checkpoint), `fast` a clean shutdown. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server if it runs and removes the directory; safe to call more than once. */
  destroy(): Promise<void>;
}

function binDir(): string | undefined {
  return BIN_DIRS.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

function postgresUser(): { uid: number; gid: number } | undefined {
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Why a private cluster cannot be made here, or undefined when it can. */
export function pgClusterUnavailable(): string | undefined {
  if (binDir() === undefined) return `PostgreSQL server binaries not found in ${BIN_DIRS.join(', ')}`;
  if (process.getuid?.() === 0) {
    if (postgresUser() === undefined) return 'running as root without a postgres user to own the cluster';
    if (spawnSync('runuser', ['--help']).status !== 0) return 'running as root without runuser';
  }
  return undefined;
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = binDir() as string;
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'tw-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  if (asRoot) {
    const owner = postgresUser() as { uid: number; gid: number };
    chownSync(dir, owner.uid, owner.gid);
  }
  const exec = (tool: string, args: string[], timeout = 60_000) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { cwd: dir, timeout })
      : run(join(bin, tool), args, { cwd: dir, timeout });
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=40`;
  let running = false;
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop(mode = 'immediate') {
      await exec('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
    },
    async start() {
      await exec('pg_ctl', [
        '-D',
        data,
        '-o',
        options,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '60',
        'start',
      ]);
      running = true;
    },
    async destroy() {
      if (running) await cluster.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}
