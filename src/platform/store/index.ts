// Chooses the state store: Redis when REDIS_URL is set, in-process otherwise.
import type { Config } from '../../config.ts';
import { createMemoryStore } from './memory.ts';
import { createRedisStore } from './redis.ts';
import type { StateStore } from './types.ts';

export type { Counter, StateStore, StoreOp, StoreResult, StoreStats } from './types.ts';
export { StoreUnavailableError } from './types.ts';

export function createStore(config: Config): StateStore {
  if (config.redisUrl !== undefined) {
    return createRedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix ?? 'tw:' });
  }
  return createMemoryStore();
}
