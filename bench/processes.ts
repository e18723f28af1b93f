// Child processes of the bench (the service, the floor): started with tsx like `npm start`, ready
// when `GET /ready` answers 200, stopped with SIGTERM (so a `--cpu-prof` profile gets written), and
// their resident memory sampled from /proc while the load runs.
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { onCleanup } from './cleanup.ts';

export interface Child {
  name: string;
  pid: number;
  url: string;
  stop(): Promise<void>;
  /** A full garbage collection in the child (started with --expose-gc), resolved once it ran. */
  collectGarbage(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function waitReady(child: ChildProcess, url: string, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited during start-up (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`not ready after ${timeoutMs} ms:\n${output()}`);
}

async function startFlags(): Promise<string[]> {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(' ').filter((word) => word.startsWith('--'));
}

export async function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  options: { nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<Child> {
  const port = await freePort();
  // TypeScript sources go through tsx; the service runs its bundle (dist/) with the Node flags of
  // `npm start` (source maps, heap limit), read from package.json so that the two cannot drift.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : await startFlags();
  const args = [...(options.nodeArgs ?? []), ...loader, '--import', './bench/parent-guard.mjs', script];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  };
  onCleanup(`stop ${name}`, stop);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(child, url, () => output, options.timeoutMs ?? 60_000);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
  const collectGarbage = async () => {
    const done = new Promise<void>((resolve) => {
      const onMessage = (message: { type?: string }) => {
        if (message?.type !== 'tradewise-bench-gc-done') return;
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
    });
    child.send({ type: 'tradewise-bench-gc' });
    await done;
  };
  return { name, pid: child.pid as number, url, stop, collectGarbage };
}

/** Resident set size in MB, or undefined once the process is gone. */
export async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    // No procfs (macOS): ps reports the same figure in kB.
    try {
      const { stdout } = await promisify(execFile)('ps', ['-o', 'rss=', '-p', String(pid)]);
      const kb = Number(stdout.trim());
      return Number.isFinite(kb) && kb > 0 ? kb / 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Fields after the command name (which may hold spaces) of /proc/<pid>/stat. */
async function statFields(pid: number | string): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * The process and its descendants — with WORKERS > 1, the node:cluster primary and its workers.
 * Linux only; elsewhere just the process.
 */
export async function processTree(pid: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [pid];
  }
  const parents = new Map<number, number>();
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        try {
          parents.set(Number(entry), Number((await statFields(entry))[1]));
        } catch {
          // Gone meanwhile.
        }
      }),
  );
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/**
 * CPU time (user + system, all threads) a process and its descendants have used so far, in
 * seconds; Linux only.
 */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  try {
    let ticks = 0;
    for (const member of await processTree(pid)) {
      // utime and stime are the 12th and 13th fields after the command name.
      const fields = await statFields(member).catch(() => undefined);
      if (fields !== undefined) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** RSS in MB of the largest process among `pid` and its descendants (each worker is its own process). */
export async function largestRssMb(pids: readonly number[]): Promise<number | undefined> {
  const sizes = (await Promise.all(pids.map(rssMb))).filter((mb) => mb !== undefined);
  return sizes.length === 0 ? undefined : Math.max(...sizes);
}

// USER_HZ: 100 on every mainstream Linux build (`getconf CLK_TCK`).
const CLOCK_TICKS = 100;

/**
 * Samples the RSS of a process and its descendants every `everyMs` until `stop()`, which returns
 * the peak of the largest one in MB (the process tree is looked up again every second).
 */
export function sampleRss(pid: number, everyMs = 100): { stop(): Promise<number> } {
  let peak = 0;
  let active = true;
  const loop = (async () => {
    let tree = [pid];
    for (let n = 0; active; n++) {
      if (n % Math.max(1, Math.round(1_000 / everyMs)) === 0) tree = await processTree(pid);
      peak = Math.max(peak, (await largestRssMb(tree)) ?? 0);
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      active = false;
      await loop;
      return Math.round(peak * 10) / 10;
    },
  };
}
