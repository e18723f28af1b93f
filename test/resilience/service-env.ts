// Environment for running `src/main.ts` as a child in the shape the test run selects: the
// embedded shape in a fresh data directory, or the server shape on DATABASE_URL / REDIS_URL with
// a key prefix of its own. Limits are raised so that load is not refused for being load.

import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverShape, TEST_SECRET_KEY } from '../helpers/app.ts';
import { SERVICE_START_TIMEOUT_MS } from '../helpers/process.ts';

export interface ServiceEnv {
  env: Record<string, string>;
  dataDir: string;
  cleanup(): void;
}

export function serviceEnv(extra: Record<string, string> = {}): ServiceEnv {
  const dataDir = mkdtempSync(join(tmpdir(), 'tw-resilience-'));
  const env: Record<string, string> = {
    SECRET_KEY: TEST_SECRET_KEY,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'info', // startService waits for the 'tradewise ready' line
    DATA_DIR: dataDir,
    DATABASE_URL: serverShape ? (process.env.DATABASE_URL as string) : '',
    REDIS_URL: process.env.REDIS_URL ?? '',
    REDIS_KEY_PREFIX: `tw-resilience:${randomUUID()}:`,
    LOGIN_RATE_LIMIT: '100000/minute',
    REGISTER_RATE_LIMIT: '100000/minute',
    SUSPICIOUS_API_CALLS_PER_MINUTE: '1000000',
    BRUTE_FORCE_MAX_ATTEMPTS: '100000',
    ...extra,
  };
  return { env, dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** Runs `npx tradewise <args>` against the same storage; returns its exit code and output. */
export function tradewise(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/tradewise.js', ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    // A command opens the storage as a start does (PGlite's first start included): the same bound.
    timeout: SERVICE_START_TIMEOUT_MS,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
