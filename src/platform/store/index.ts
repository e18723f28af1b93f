// Chooses the state store: Redis (one node, Sentinel or Cluster) when configured, in-process otherwise.
import type { Config } from '../../config.ts';
import { createMemoryStore } from './memory.ts';
import type { RedisStore } from './redis.ts';
import { createRedisStore } from './redis.ts';
import type { RedisTopology } from './redis-topology.ts';
import type { StateStore } from './types.ts';

export { checkEvictionPolicy } from './eviction-policy.ts';
export type { Counter, StateStore, StoreOp, StoreResult, StoreStats } from './types.ts';
export { StoreUnavailableError } from './types.ts';

/** The Redis deployment the settings describe, or undefined for the in-process store. */
export function redisTopology(config: Config): RedisTopology | undefined {
  const password = config.redisPassword === undefined ? {} : { password: config.redisPassword };
  if (config.redisUrl !== undefined) return { kind: 'standalone', url: config.redisUrl };
  if (config.redisSentinels.length > 0 && config.redisSentinelName !== undefined) {
    return {
      kind: 'sentinel',
      sentinels: config.redisSentinels,
      name: config.redisSentinelName,
      ...password,
    };
  }
  if (config.redisClusterNodes.length > 0) {
    return { kind: 'cluster', nodes: config.redisClusterNodes, ...password };
  }
  return undefined;
}

/**
 * The setting that chose the Redis deployment and where it points, for start-up messages:
 * `{ variable: 'REDIS_URL', target: 'redis://cache:6379/2' }`. Never a password (a REDIS_URL's
 * user and password are left out). Undefined for the in-process store.
 */
export function stateStoreSetting(config: Config): { variable: string; target: string } | undefined {
  const topology = redisTopology(config);
  if (topology === undefined) return undefined;
  const nodes = (list: readonly { host: string; port: number }[]) =>
    list.map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)).join(',');
  if (topology.kind === 'standalone') {
    const url = new URL(topology.url);
    return { variable: 'REDIS_URL', target: `${url.protocol}//${url.host}${url.pathname}` };
  }
  if (topology.kind === 'sentinel') {
    return { variable: 'REDIS_SENTINELS', target: `${nodes(topology.sentinels)} (master ${topology.name})` };
  }
  return { variable: 'REDIS_CLUSTER_NODES', target: nodes(topology.nodes) };
}

/** `mirroredPrefixes`: the keys every request reads, from the features that own them (src/mirrored-keys.ts). */
export function createStore(
  config: Config,
  options: { mirroredPrefixes: readonly string[] },
): StateStore | RedisStore {
  const topology = redisTopology(config);
  if (topology === undefined) return createMemoryStore();
  return createRedisStore({
    topology,
    keyPrefix: config.redisKeyPrefix ?? 'tw:',
    mirroredPrefixes: options.mirroredPrefixes,
  });
}
