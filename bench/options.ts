// Bench options: flags (`--duration=10`) win over environment variables (`BENCH_DURATION=10`), which
// win over the defaults. `--quick` shortens every phase for the smoke test; its figures mean nothing.
export type Phase = 'read' | 'login' | 'embedded' | 'flood';
/** Which Redis the server shape uses: the local one, or a private Sentinel set or Cluster. */
export type RedisDeployment = 'standalone' | 'sentinel' | 'cluster';
const DEPLOYMENTS: readonly RedisDeployment[] = ['standalone', 'sentinel', 'cluster'];
const PHASES: readonly Phase[] = ['read', 'login', 'embedded', 'flood'];
/** What a run without --only measures (the flood phase answers another question: ask for it). */
const DEFAULT_PHASES: readonly Phase[] = ['read', 'login', 'embedded'];
const SHAPES = ['embedded', 'server'] as const;

const KNOWN = [
  'duration',
  'warmup',
  'connections',
  'login-connections',
  'pool-size',
  'workers',
  'quick',
  'only',
  'out',
  'cpu-prof',
  'redis',
  'shape',
];

export interface BenchOptions {
  /** Seconds of measured load per phase, after `warmup` seconds of unmeasured load. */
  duration: number;
  warmup: number;
  /** autocannon connections of the read load and of the login load. */
  connections: number;
  loginConnections: number;
  /** Database pool of the service and of the floor (the same, so that the comparison is fair). */
  poolSize: number;
  /** Service processes (WORKERS): 1, or one per core to measure the multi-core set-up. */
  workers: number;
  bcryptSamples: number;
  quick: boolean;
  phases: ReadonlySet<Phase>;
  /** Where the JSON result goes. */
  out: string;
  /** Write a V8 CPU profile of the server-shape service into bench/profiles/. */
  cpuProf: boolean;
  /** Admin connection used to create and drop the bench database; its database name is replaced. */
  postgresUrl: string;
  redisUrl: string;
  /** standalone: `redisUrl`; sentinel, cluster: private servers started (and removed) by the bench. */
  redis: RedisDeployment;
  /** The flood phase's storage: embedded (default) or server (PostgreSQL + `redis`). */
  floodShape: (typeof SHAPES)[number];
}

export class UsageError extends Error {}

function flags(argv: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unknown argument "${arg}"`);
    found.set(match[1] as string, match[2] ?? 'true');
  }
  return found;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const given = flags(argv);
  for (const name of given.keys()) {
    if (!KNOWN.includes(name)) throw new UsageError(`unknown option --${name}`);
  }
  const raw = (name: string): string | undefined =>
    given.get(name) ?? env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`];
  const bool = (name: string) => ['true', '1', 'yes'].includes(raw(name) ?? '');
  const quick = bool('quick');
  const number = (name: string, fallback: number, quickValue = fallback): number => {
    const value = raw(name);
    if (value === undefined || value === '') return quick ? quickValue : fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new UsageError(`--${name} must be a positive number`);
    return parsed;
  };
  const only = raw('only');
  const phases = only === undefined || only === '' ? DEFAULT_PHASES : only.split(',');
  for (const phase of phases) {
    if (!PHASES.includes(phase as Phase)) throw new UsageError(`--only takes ${PHASES.join('|')}`);
  }
  const redis = (raw('redis') ?? 'standalone') as RedisDeployment;
  if (!DEPLOYMENTS.includes(redis)) throw new UsageError(`--redis takes ${DEPLOYMENTS.join('|')}`);
  const floodShape = (raw('shape') ?? 'embedded') as BenchOptions['floodShape'];
  if (!SHAPES.includes(floodShape)) throw new UsageError(`--shape takes ${SHAPES.join('|')}`);
  return {
    redis,
    floodShape,
    duration: number('duration', 10, 1),
    warmup: number('warmup', 3, 1),
    connections: Math.round(number('connections', 32)),
    loginConnections: Math.round(number('login-connections', 8)),
    poolSize: Math.round(number('pool-size', 10)),
    workers: Math.round(number('workers', 1)),
    bcryptSamples: quick ? 2 : 5,
    quick,
    phases: new Set(phases as Phase[]),
    out: raw('out') ?? 'bench/results/latest.json',
    cpuProf: bool('cpu-prof'),
    postgresUrl: env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
