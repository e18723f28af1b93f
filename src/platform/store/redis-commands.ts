// How the StateStore's ops become Redis commands, and Redis's replies become the ops' results.
// Routing a batch to nodes is redis-topology.ts's (`execSteps`); this file only says what each op
// appends to a pipeline.
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis-topology.ts';
import type { Counter, StoreOp, StoreResult } from './types.ts';

// INCRBY, then start the window's TTL if the key has none (first hit, or a key set without one).
const INCREMENT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

type WithScripts<T> = T & { twIncrement(key: string, windowMs: number, by: number): T };

/** Teaches `client` the store's scripts (ioredis sends EVALSHA, falling back to EVAL). */
export function defineScripts(client: RedisClient): void {
  client.defineCommand('twIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
}

/** An increment of `key` by `by` in a window of `windowMs`; its reply decodes with `toCounter`. */
export function appendIncrement(
  pipeline: ChainableCommander,
  key: string,
  windowMs: number,
  by: number,
): void {
  (pipeline as WithScripts<ChainableCommander>).twIncrement(key, windowMs, by);
}

export function appendCommand(pipeline: ChainableCommander, op: StoreOp): void {
  switch (op.op) {
    case 'get':
      pipeline.get(op.key);
      return;
    case 'set':
      if (op.ttlMs === undefined) pipeline.set(op.key, op.value);
      else pipeline.set(op.key, op.value, 'PX', Math.max(1, Math.ceil(op.ttlMs)));
      return;
    case 'exists':
      pipeline.exists(op.key);
      return;
    case 'delete':
      pipeline.del(op.key);
      return;
    case 'increment':
      appendIncrement(pipeline, op.key, op.windowMs, op.by ?? 1);
      return;
  }
}

export function toCounter(reply: unknown): Counter {
  const [count, ttl] = reply as [number, number];
  return { count: Number(count), ttlMs: Number(ttl) };
}

/** The result of `op` from the reply to the command `appendCommand` sent for it. */
export function decodeReply(op: StoreOp, reply: unknown): StoreResult {
  return op.op === 'get'
    ? (reply as string | null)
    : op.op === 'exists'
      ? reply === 1
      : op.op === 'increment'
        ? toCounter(reply)
        : undefined;
}
