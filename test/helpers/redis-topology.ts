// Private Redis deployments for tests and the bench, on free loopback ports, without persistence:
// a 3-master Redis Cluster (redis-server --cluster-enabled yes, redis-cli --cluster create) and a
// Sentinel set (one master, one replica, sentinels). Every process is killed and every file
// removed by `stop()`, and also if starting fails half-way.
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './process.ts';

const run = promisify(execFile);
const missing = (binary: string) =>
  spawnSync(binary, ['--version']).status === 0 ? undefined : `${binary} is not installed`;

export const clusterMissing = missing('redis-server') ?? missing('redis-cli');
export const sentinelMissing = clusterMissing ?? missing('redis-sentinel');

export interface HostPort {
  host: string;
  port: number;
}

/** Waits for `check` to hold, polling, up to `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await sleep(50);
  }
}

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 120_000,
  });
  return stdout.trim();
}

class Processes {
  readonly children: ChildProcess[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'tw-redis-'));
  // A run that ends without its `after` hooks (a cancelled test, an uncaught error) leaves no
  // servers behind either.
  private readonly onExit = () => {
    for (const child of this.children) child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  async start(binary: string, args: string[], port: number): Promise<ChildProcess> {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'ignore'], cwd: this.dir });
    this.children.push(child);
    await until(async () => (await redisCli(port, 'PING')) === 'PONG', `${binary} on ${port}`, 20_000);
    return child;
  }

  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    process.off('exit', this.onExit);
    await Promise.all(this.children.map((child) => this.kill(child)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const serverArgs = (port: number, extra: string[] = []) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--daemonize',
  'no',
  ...extra,
];

export interface RedisClusterFixture {
  nodes: HostPort[];
  stop(): Promise<void>;
}

/** Three masters, no replicas, all 16384 slots assigned, cluster_state:ok on every node. */
export async function startRedisCluster(extraArgs: string[] = []): Promise<RedisClusterFixture> {
  const processes = new Processes();
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    await Promise.all(
      ports.map((port) =>
        processes.start(
          'redis-server',
          serverArgs(port, [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(processes.dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '3000',
            ...extraArgs,
          ]),
          port,
        ),
      ),
    );
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    for (const port of ports) {
      await until(
        async () => (await redisCli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
        `cluster_state:ok on ${port}`,
      );
    }
    return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop: () => processes.stop() };
  } catch (error) {
    await processes.stop();
    throw error;
  }
}

/** Moves `count` slots from the node on `fromPort` to the node on `toPort` (keys included). */
export async function reshard(fromPort: number, toPort: number, count: number): Promise<void> {
  const id = async (port: number) => redisCli(port, 'CLUSTER', 'MYID');
  await run(
    'redis-cli',
    [
      '--cluster',
      'reshard',
      `127.0.0.1:${fromPort}`,
      '--cluster-from',
      await id(fromPort),
      '--cluster-to',
      await id(toPort),
      '--cluster-slots',
      String(count),
      '--cluster-yes',
      '--cluster-pipeline',
      '10',
    ],
    { timeout: 120_000 },
  );
}

export interface SentinelFixture {
  sentinels: HostPort[];
  name: string;
  /** Port of the current master, as the sentinels see it. */
  masterPort(): Promise<number>;
  /** SENTINEL FAILOVER and wait until the sentinels name the other node and it is a master. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSentinelSet(sentinelCount = 1): Promise<SentinelFixture> {
  const processes = new Processes();
  const name = 'twmaster';
  try {
    const masterPort = await freePort();
    const replicaPort = await freePort();
    await processes.start('redis-server', serverArgs(masterPort), masterPort);
    await processes.start(
      'redis-server',
      serverArgs(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]),
      replicaPort,
    );
    await until(
      async () => (await redisCli(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'),
      'replica in sync',
    );
    const sentinels: HostPort[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const port = await freePort();
      const file = join(processes.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
          `sentinel down-after-milliseconds ${name} 2000`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      await processes.start('redis-sentinel', [file], port);
      sentinels.push({ host: '127.0.0.1', port });
    }
    const first = (sentinels[0] as HostPort).port;
    const masterPortNow = async () =>
      Number((await redisCli(first, 'SENTINEL', 'get-master-addr-by-name', name)).split('\n')[1]);
    await until(
      async () => (await redisCli(first, 'SENTINEL', 'replicas', name)).includes(String(replicaPort)),
      'sentinel knows the replica',
    );
    return {
      sentinels,
      name,
      masterPort: masterPortNow,
      async failover() {
        const before = await masterPortNow();
        await until(
          async () => (await redisCli(first, 'SENTINEL', 'failover', name)) === 'OK',
          'SENTINEL FAILOVER accepted',
        );
        let after = before;
        await until(async () => {
          after = await masterPortNow();
          return (
            after !== before &&
            (await redisCli(after, 'ROLE')).startsWith('master') &&
            (await redisCli(before, 'ROLE')).startsWith('slave')
          );
        }, 'failover done');
        return after;
      },
      stop: () => processes.stop(),
    };
  } catch (error) {
    await processes.stop();
    throw error;
  }
}

export async function startPlainRedis(extraArgs: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const processes = new Processes();
  try {
    const port = await freePort();
    await processes.start('redis-server', serverArgs(port, extraArgs), port);
    return { url: `redis://127.0.0.1:${port}`, stop: () => processes.stop() };
  } catch (error) {
    await processes.stop();
    throw error;
  }
}
