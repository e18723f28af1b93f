import { spawnSync } from 'node:child_process';
// The measured phases. Loads never overlap except where overlap is the point (reads during a login
// flood); the floor runs only during its own measurement, so that it holds no CPU or connections
// while the service is measured.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BcryptLimit } from './bcrypt-limit.ts';
import { onCleanup } from './cleanup.ts';
import type { Figures, Target } from './load.ts';
import { measureLoad } from './load.ts';
import type { BenchOptions } from './options.ts';
import type { Child } from './processes.ts';
import { sampleRss, startNode } from './processes.ts';
import type { BenchStorage, Seed } from './setup.ts';
import { seed } from './setup.ts';

export const PASSWORD_HASH_COST = 12;
const RAISED = '100000000/minute';

/** Every check runs, none trips: limits far above what the load can reach, the real bcrypt cost. */
async function serviceEnv(options: BenchOptions, storage?: BenchStorage): Promise<Record<string, string>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tw-bench-'));
  onCleanup(`remove ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  return {
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    PASSWORD_HASH_COST: String(PASSWORD_HASH_COST),
    DATABASE_POOL_SIZE: String(options.poolSize),
    LOGIN_RATE_LIMIT: RAISED,
    REGISTER_RATE_LIMIT: RAISED,
    REFRESH_RATE_LIMIT: RAISED,
    TEST_CONNECTION_RATE_LIMIT: RAISED,
    TENANT_TEST_CONNECTION_RATE_LIMIT: RAISED,
    BRUTE_FORCE_MAX_ATTEMPTS: '1000000000',
    SUSPICIOUS_API_CALLS_PER_MINUTE: '1000000000',
    ...(storage === undefined
      ? {}
      : {
          DATABASE_URL: storage.databaseUrl,
          ...storage.redisEnv,
          REDIS_KEY_PREFIX: storage.redisPrefix,
          WORKERS: String(options.workers),
        }),
  };
}

/** What `npm start` runs: the bundle of src/ (scripts/build.js). */
function buildBundle(): void {
  const result = spawnSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building dist/main.js failed');
}

export async function startService(
  name: string,
  options: BenchOptions,
  storage?: BenchStorage,
  /** Added to (or replacing) the bench's service environment (the flood phase's webhook). */
  extraEnv: Record<string, string> = {},
  extraNodeArgs: string[] = [],
) {
  const nodeArgs = [
    ...(options.cpuProf && storage !== undefined ? ['--cpu-prof', '--cpu-prof-dir=bench/profiles'] : []),
    ...extraNodeArgs,
  ];
  buildBundle();
  const env = { ...(await serviceEnv(options, storage)), ...extraEnv };
  const service = await startNode(name, 'dist/main.js', env, { nodeArgs });
  return { service, seed: await seed(service.url) };
}

const readTarget = (child: Child, seeded: Seed): Target => ({
  url: `${child.url}/api/v1/bots`,
  headers: { authorization: `Bearer ${seeded.token}` },
});

const loginTarget = (child: Child, seeded: Seed): Target => ({
  url: `${child.url}/api/v1/auth/token`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: seeded.email, password: seeded.password }),
});

export interface ReadFigures {
  floor: Figures;
  service: Figures;
  rpsRatio: number;
  p99Ratio: number;
  /** For scale: what the same stack with no security holds under the same load. */
  floorPeakRssMb: number;
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

export async function readPhase(
  options: BenchOptions,
  storage: BenchStorage,
  service: Child,
  seeded: Seed,
): Promise<ReadFigures & { floorPid: number }> {
  const floor = await startNode('floor', 'bench/floor.ts', {
    FLOOR_DATABASE_URL: storage.databaseUrl,
    FLOOR_TENANT_ID: seeded.tenantId,
    DATABASE_POOL_SIZE: String(options.poolSize),
  });
  const floorRss = sampleRss(floor.pid);
  const floorFigures = await measureLoad(
    { url: `${floor.url}/bots` },
    options.connections,
    options,
    floor.pid,
  );
  const floorPeakRssMb = await floorRss.stop();
  await floor.stop();
  const serviceFigures = await measureLoad(
    readTarget(service, seeded),
    options.connections,
    options,
    service.pid,
  );
  return {
    floor: floorFigures,
    service: serviceFigures,
    rpsRatio: ratio(serviceFigures.rps, floorFigures.rps),
    // autocannon's latencies are whole milliseconds; a 0 ms floor counts as 1 ms.
    p99Ratio: ratio(serviceFigures.p99Ms, Math.max(floorFigures.p99Ms, 1)),
    floorPeakRssMb,
    floorPid: floor.pid,
  };
}

export interface LoginFigures {
  bcrypt: BcryptLimit;
  login: Figures;
  /** Logins per second ÷ the machine's bcrypt limit. */
  limitRatio: number;
  readDuringFlood: Figures;
  loginDuringFlood: Figures;
}

export async function loginPhase(
  options: BenchOptions,
  service: Child,
  seeded: Seed,
  bcrypt: BcryptLimit,
): Promise<LoginFigures> {
  const login = await measureLoad(
    loginTarget(service, seeded),
    options.loginConnections,
    options,
    service.pid,
  );
  // The flood starts first and outlasts the measured reads (their warm-up included), so that every
  // measured read meets it; the flood's own figures cover the same window.
  const flood = measureLoad(
    loginTarget(service, seeded),
    options.loginConnections,
    {
      warmup: options.warmup + 1,
      duration: options.duration,
    },
    service.pid,
  );
  await sleep(1_000);
  const readDuringFlood = await measureLoad(
    readTarget(service, seeded),
    options.connections,
    options,
    service.pid,
  );
  return {
    bcrypt,
    login,
    limitRatio: ratio(login.rps, bcrypt.limit),
    readDuringFlood,
    loginDuringFlood: await flood,
  };
}

export interface EmbeddedFigures {
  read: Figures;
  peakRssMb: number;
  pid: number;
}

export async function embeddedPhase(options: BenchOptions): Promise<EmbeddedFigures> {
  const { service, seed: seeded } = await startService('embedded service', options);
  const rss = sampleRss(service.pid);
  const read = await measureLoad(readTarget(service, seeded), options.connections, options, service.pid);
  const peakRssMb = await rss.stop();
  await service.stop();
  return { read, peakRssMb, pid: service.pid };
}
