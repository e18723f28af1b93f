// Starts the real service (`src/main.ts`) as a child process on a free loopback port.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * How long a spawned service may take to start (or, for runServiceExpectingExit, to give up) before
 * the test fails. Readiness is an event, the 'tradewise ready' line (or the process exiting), so a
 * quick start is never held up by this: it bounds only a start that hangs. It is generous because a
 * start on a loaded two-core machine is slow: the embedded shape's first start (PGlite's initdb, the
 * migrations, tsx compiling the sources) took 63 s alone and over 30 s beside another build.
 */
export const SERVICE_START_TIMEOUT_MS = 180_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output and waits for it to exit (command-line tests). */
export async function finished(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** The Node flags `npm start` passes (package.json), so that a bundle runs here as it does there. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(' ').filter((word) => word.startsWith('--'));
}

export interface StartOptions {
  /** Run what `npm start` runs (dist/main.js, built by scripts/build.js) instead of the sources through tsx. */
  bundle?: boolean;
  /** How many 'tradewise ready' lines to wait for: one per worker with WORKERS > 1 (default 1). */
  readyLines?: number;
}

const READY_LINE = 'tradewise ready';

/** Starts the service and resolves once it has logged `readyLines` ready lines (see SERVICE_START_TIMEOUT_MS). */
export async function startService(
  env: Record<string, string | undefined>,
  options: StartOptions = {},
): Promise<ServiceProcess> {
  const readyLines = options.readyLines ?? 1;
  const port = String(await freePort());
  const entry = options.bundle ? [...startFlags(), 'dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, entry, {
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'info',
      PASSWORD_HASH_COST: '4',
      ...env,
      PORT: port,
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(child, 'exit');
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`service did not start within ${SERVICE_START_TIMEOUT_MS} ms:\n${output}`)),
      SERVICE_START_TIMEOUT_MS,
    );
    const check = () => {
      if (output.split(READY_LINE).length - 1 >= readyLines) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`service exited during start-up:\n${output}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    // Never leave a half-started service behind to hold ports, data directories or test runs.
    child.kill('SIGKILL');
    throw error;
  }
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/**
 * Runs the service expecting it to exit during start-up; returns its exit code and output. A service
 * that is still running after SERVICE_START_TIMEOUT_MS is killed and the test fails (a killed
 * process has no exit code, which would otherwise pass for "did not exit with 0").
 */
export async function runServiceExpectingExit(
  env: Record<string, string | undefined>,
  options: { port?: number } = {},
) {
  const port = String(options.port ?? (await freePort()));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, ...env, PORT: port, HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, SERVICE_START_TIMEOUT_MS);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  if (killed) throw new Error(`service still running after ${SERVICE_START_TIMEOUT_MS} ms:\n${output}`);
  return { code: code as number | null, output };
}
