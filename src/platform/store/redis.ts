// Redis state store for the server shape: shared by every instance. Commands fail fast while
// Redis is unreachable (no offline queue) so that callers can answer 503 or fall back instead of
// hanging; the client keeps reconnecting in the background and recovers by itself.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Redis } from 'ioredis';
import type { Counter, StateStore, StoreOp, StoreResult } from './types.ts';
import { StoreUnavailableError } from './types.ts';

// INCRBY, then start the window's TTL if the key has none (first hit, or a key set without one).
const INCREMENT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

type RedisWithScripts = Redis & {
  twIncrement(key: string, windowMs: number, by: number): Promise<[number, number]>;
};

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs?: number;
  /** How long a command waits for a connection that is being (re)established. */
  readyWaitMs?: number;
}

export function createRedisStore(options: RedisStoreOptions): StateStore {
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: 2_000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  }) as RedisWithScripts;
  // Connection errors surface through the commands that fail; the event itself is noise.
  client.on('error', () => {});
  client.defineCommand('twIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });

  // Without an offline queue a command sent before the connection is up fails at once. Right after
  // start-up and during a reconnect, wait briefly for the connection instead of failing the caller.
  const connected = (): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, options.readyWaitMs ?? 1_000);
      client.on('ready', done);
    });

  // Reconnection work (restoring revocations) runs before anything else is answered; its own
  // commands are told apart by the async context they run in.
  const reconnectWork: (() => Promise<void>)[] = [];
  const inReconnectWork = new AsyncLocalStorage<true>();
  let warming: Promise<void> | undefined;
  // Also on the first connection: the store may come up after the app did.
  client.on('ready', () => {
    if (reconnectWork.length === 0) return;
    warming = inReconnectWork
      .run(true, async () => {
        for (const work of reconnectWork) await work();
      })
      .catch(() => {
        // The work failed (e.g. the database is down too); the next reconnect tries again, and
        // meanwhile requests proceed with what the store has.
      })
      .finally(() => {
        warming = undefined;
      });
  });

  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      if (client.status !== 'ready') await connected();
      if (warming !== undefined && inReconnectWork.getStore() === undefined) await warming;
      return await work();
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  };

  const toCounter = (reply: [number, number]): Counter => ({
    count: Number(reply[0]),
    ttlMs: Number(reply[1]),
  });

  return {
    kind: 'redis',
    get: (key) => guard(() => client.get(key)),
    set: (key, value, ttlMs) =>
      guard(async () => {
        if (ttlMs === undefined) await client.set(key, value);
        else await client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
      }),
    exists: (key) => guard(async () => (await client.exists(key)) === 1),
    delete: (key) =>
      guard(async () => {
        await client.del(key);
      }),
    increment: (key, windowMs, by = 1) =>
      guard(async () => toCounter(await client.twIncrement(key, windowMs, by))),
    batch: (ops: readonly StoreOp[]) =>
      guard(async () => {
        if (ops.length === 0) return [];
        const pipeline = client.pipeline();
        for (const op of ops) {
          switch (op.op) {
            case 'get':
              pipeline.get(op.key);
              break;
            case 'set':
              if (op.ttlMs === undefined) pipeline.set(op.key, op.value);
              else pipeline.set(op.key, op.value, 'PX', Math.max(1, Math.ceil(op.ttlMs)));
              break;
            case 'exists':
              pipeline.exists(op.key);
              break;
            case 'delete':
              pipeline.del(op.key);
              break;
            case 'increment':
              (pipeline as unknown as RedisWithScripts).twIncrement(op.key, op.windowMs, op.by ?? 1);
              break;
          }
        }
        const replies = (await pipeline.exec()) ?? [];
        return replies.map(([error, reply], i): StoreResult => {
          if (error) throw error;
          const op = ops[i] as StoreOp;
          switch (op.op) {
            case 'get':
              return reply as string | null;
            case 'exists':
              return reply === 1;
            case 'increment':
              return toCounter(reply as [number, number]);
            default:
              return undefined;
          }
        });
      }),
    keys: (prefix) =>
      guard(async () => {
        // SCAN sees raw key names: add the store's prefix to the pattern and strip it from results.
        const found: string[] = [];
        const pattern = `${escapeGlob(options.keyPrefix + prefix)}*`;
        let cursor = '0';
        do {
          const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
          cursor = next;
          for (const key of batch) found.push(key.slice(options.keyPrefix.length));
        } while (cursor !== '0');
        return found;
      }),
    ttl: (key) =>
      guard(async () => {
        const ms = await client.pttl(key);
        return ms < 0 ? null : ms;
      }),
    ping: () =>
      guard(async () => {
        await client.ping();
      }),
    onReconnect: (work) => {
      reconnectWork.push(work);
    },
    close: async () => {
      client.disconnect();
    },
  };
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
