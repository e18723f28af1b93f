// `npm run bench [-- --quick --only=read|login|embedded --duration=S --connections=N ...]`
// Measures the service's pipeline against the floor of its own stack (issue 9), prints figures and
// targets, writes them as JSON and exits 1 when a target is missed (2 when the run itself failed).
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureBcryptLimit } from './bcrypt-limit.ts';
import { cleanUp, cleanUpOnSignals } from './cleanup.ts';
import { floodPhase } from './flood.ts';
import type { BenchOptions } from './options.ts';
import { parseOptions, UsageError } from './options.ts';
import { embeddedPhase, loginPhase, PASSWORD_HASH_COST, readPhase, startService } from './phases.ts';
import { largestRssMb, processTree, sampleRss } from './processes.ts';
import { summarizeProfile } from './profile-summary.ts';
import type { BenchResult } from './report.ts';
import { render, verdicts, writeResult } from './report.ts';
import { createStorage } from './setup.ts';

const began = Date.now();
const log = (line: string) =>
  process.stderr.write(`bench [${((Date.now() - began) / 1000).toFixed(1)} s]: ${line}\n`);

function commandLine(argv: readonly string[]): string {
  const env = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_'))
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  return `${env}npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
}

function gitDescribe(): string | null {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function placement(o: BenchOptions): string {
  return (
    `${availableParallelism()} cores shared, nothing pinned. Bench process (one Node thread): orchestration ` +
    `and autocannon (${o.connections} read / ${o.loginConnections} login connections). Service: one Node ` +
    'process (event loop + libuv pool, where bcrypt runs). Floor: one Node process, alive only during its ' +
    'own measurement. PostgreSQL and Redis: the local servers (other tenants of the machine may load them).'
  );
}

/** The main thread's profile of that process (tsx's loader thread writes one too). */
async function mainThreadProfile(pid: number): Promise<string | undefined> {
  const files = await readdir('bench/profiles').catch(() => [] as string[]);
  const name = files.find((f) => f.includes(`.${pid}.0.`) && f.endsWith('.cpuprofile'));
  return name === undefined ? undefined : join('bench/profiles', name);
}

async function measure(options: BenchOptions, argv: readonly string[]): Promise<BenchResult> {
  const partial: Omit<BenchResult, 'targets' | 'pass'> = {
    command: commandLine(argv),
    date: new Date().toISOString(),
    commit: gitDescribe(),
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryMb: Math.round(totalmem() / 2 ** 20),
      node: process.version,
      platform: process.platform,
    },
    options: { ...options, phases: [...options.phases], postgresUrl: undefined, redisUrl: undefined },
    placement: placement(options),
    run: { database: null, redisPrefix: null, pids: {} },
    read: null,
    login: null,
    memory: null,
    embedded: null,
    flood: null,
  };
  const { phases } = options;
  if (phases.has('read') || phases.has('login')) {
    // First, while nothing else of the bench runs.
    const bcrypt = phases.has('login')
      ? await measureBcryptLimit(PASSWORD_HASH_COST, options.bcryptSamples)
      : null;
    if (bcrypt !== null)
      log(`bcrypt-${bcrypt.cost}: ${bcrypt.hashMs} ms a hash, limit ${bcrypt.limit} logins/s`);
    const storage = await createStorage(options.postgresUrl, options.redisUrl, options.redis);
    Object.assign(partial.run, { database: storage.database, redisPrefix: storage.redisPrefix });
    const { service, seed } = await startService('service', options, storage);
    partial.run.pids.service = service.pid;
    log(`database ${storage.database}, Redis prefix ${storage.redisPrefix}`);
    log(`server shape ready at ${service.url} (pid ${service.pid}), seeded`);
    const idleRssMb = Math.round(((await largestRssMb(await processTree(service.pid))) ?? 0) * 10) / 10;
    const rss = sampleRss(service.pid);
    if (phases.has('read')) {
      const { floorPid, ...read } = await readPhase(options, storage, service, seed);
      partial.run.pids.floor = floorPid;
      partial.read = read;
      log(`read: ${read.service.rps} req/s vs floor ${read.floor.rps} (${read.rpsRatio}x)`);
    }
    if (bcrypt !== null) {
      partial.login = await loginPhase(options, service, seed, bcrypt);
      log(
        `login: ${partial.login.login.rps}/s, read p99 during flood ${partial.login.readDuringFlood.p99Ms} ms`,
      );
    }
    partial.memory = { idleRssMb, peakRssMb: await rss.stop() };
    await service.stop();
    const profile = options.cpuProf ? await mainThreadProfile(service.pid) : undefined;
    if (profile !== undefined) log(`CPU profile of the service:\n${await summarizeProfile(profile)}`);
  }
  if (phases.has('embedded')) {
    partial.embedded = await embeddedPhase(options);
    partial.run.pids.embedded = partial.embedded.pid;
    log(`embedded: ${partial.embedded.read.rps} req/s`);
  }
  if (phases.has('flood')) {
    partial.flood = await floodPhase(options, log);
    partial.run.pids.flood = partial.flood.pid;
    log(`flood: rows ${JSON.stringify(partial.flood.rows)}, alerts ${JSON.stringify(partial.flood.alerts)}`);
  }
  const targets = verdicts(partial);
  return { ...partial, targets, pass: targets.every((t) => t.pass) };
}

async function main(): Promise<number> {
  cleanUpOnSignals();
  const argv = process.argv.slice(2);
  let options: BenchOptions;
  try {
    options = parseOptions(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log(`${error.message}\nusage: npm run bench -- [--quick] [--only=read|login|embedded|flood] [--duration=S]
  [--warmup=S] [--connections=N] [--login-connections=N] [--pool-size=N] [--out=FILE] [--cpu-prof]
  [--redis=standalone|sentinel|cluster] [--shape=embedded|server]`);
    return 2;
  }
  let result: BenchResult;
  try {
    result = await measure(options, argv);
  } catch (error) {
    log(`run failed: ${(error as Error).stack ?? error}`);
    return 2;
  } finally {
    await cleanUp();
  }
  process.stdout.write(render(result));
  await writeResult(options.out, result);
  process.stdout.write(`written to ${options.out} by: ${result.command}\n`);
  return result.pass ? 0 : 1;
}

process.exit(await main());
