// A private redis-server for one test file, on a free loopback port, without persistence: killed,
// it comes back empty, the harshest restart a deployment can see.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../helpers/process.ts';

export const redisServerMissing =
  spawnSync('redis-server', ['--version']).status === 0 ? undefined : 'redis-server is not installed';

export interface RedisServer {
  url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      child = started;
      let out = '';
      started.stdout?.on('data', (chunk) => {
        out += chunk;
      });
      for (let i = 0; i < 100 && !out.includes('Ready to accept connections'); i++) await sleep(50);
      if (!out.includes('Ready to accept connections')) throw new Error(`redis-server did not start: ${out}`);
    },
    async kill() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}
