// The bench's own storage — a fresh PostgreSQL database and a unique Redis key prefix, both removed
// on clean-up — and the seed, written through the public API like a real client would.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runtimeRoleName } from '../src/platform/db/runtime-role.ts';
import { startRedisCluster, startSentinelSet } from '../test/helpers/redis-topology.ts';
import { onCleanup } from './cleanup.ts';
import type { RedisDeployment } from './options.ts';

export const BOT_COUNT = 20;

export interface BenchStorage {
  database: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  /** The service's Redis settings (REDIS_URL, or REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES). */
  redisEnv: Record<string, string>;
}

const hostPorts = (list: readonly { host: string; port: number }[]) =>
  list.map(({ host, port }) => `${host}:${port}`).join(',');

/** A private Sentinel set or Cluster for the bench (killed at clean-up), or the local Redis. */
async function redisFor(deployment: RedisDeployment, redisUrl: string): Promise<Record<string, string>> {
  if (deployment === 'cluster') {
    const cluster = await startRedisCluster();
    onCleanup('stop the private Redis Cluster', cluster.stop);
    return { REDIS_CLUSTER_NODES: hostPorts(cluster.nodes) };
  }
  if (deployment === 'sentinel') {
    const set = await startSentinelSet(3);
    onCleanup('stop the private Sentinel set', set.stop);
    return { REDIS_SENTINELS: hostPorts(set.sentinels), REDIS_SENTINEL_NAME: set.name };
  }
  return { REDIS_URL: redisUrl };
}

async function asAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function redisKeys(redisUrl: string, prefix: string, remove = false): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let count = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) {
      const batch = keys as string[];
      count += batch.length;
      if (remove && batch.length > 0) await redis.unlink(...batch);
    }
    return count;
  } finally {
    redis.disconnect();
  }
}

export async function createStorage(
  postgresUrl: string,
  redisUrl: string,
  deployment: RedisDeployment = 'standalone',
): Promise<BenchStorage> {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const database = `tw_bench_${suffix}`;
  const redisPrefix = `twbench:${suffix}:`;
  const databaseUrl = new URL(postgresUrl);
  databaseUrl.pathname = `/${database}`;
  // Registered first so that a failed CREATE still leaves nothing behind.
  // The service's runtime login role (migrator-made, named after the database) is cluster-wide:
  // it goes with the database.
  onCleanup(`drop database ${database} and its runtime role`, () =>
    asAdmin(postgresUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${runtimeRoleName(database)}`);
    }),
  );
  onCleanup(`delete Redis keys ${redisPrefix}*`, async () => {
    await redisKeys(redisUrl, redisPrefix, true);
  });
  await asAdmin(postgresUrl, (c) => c.query(`CREATE DATABASE ${database}`));
  const redisEnv = await redisFor(deployment, redisUrl);
  return { database, databaseUrl: databaseUrl.toString(), redisUrl, redisPrefix, redisEnv };
}

export interface Seed {
  email: string;
  password: string;
  token: string;
  tenantId: string;
}

async function call(url: string, path: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** Registers a tenant, logs in and creates the bots the read load lists. */
export async function seed(url: string): Promise<Seed> {
  const email = `bench-${randomBytes(6).toString('hex')}@bench.tradewise.test`;
  const password = `Bench-${randomBytes(12).toString('base64url')}-9!`;
  await call(url, '/api/v1/auth/register', { email, password, full_name: 'Bench Tenant' });
  const { access_token: token } = (await call(url, '/api/v1/auth/token', { username: email, password })) as {
    access_token: string;
  };
  for (let i = 0; i < BOT_COUNT; i++) {
    const bot = { name: `bench-bot-${i}`, kind: 'internal', exchange: 'binance', strategy: 'grid' };
    await call(url, '/api/v1/bots', bot, token);
  }
  // The floor needs the tenant id; the access token carries it (claim `tenant_id`).
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    tenant_id: string;
  };
  return { email, password, token, tenantId: claims.tenant_id };
}
