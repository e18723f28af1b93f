// Questions asked of every master rather than of one connection: can it take a write (readiness),
// and which maxmemory-policy does it run (start-up check).
import { Cluster } from 'ioredis';
import { keySlot, SLOTS } from './key-slot.ts';
import type { RedisClient } from './redis-topology.ts';
import { masters } from './redis-topology.ts';

const PROBE_TTL_MS = 10_000;

/**
 * Writes a short-lived key on every master: a replica (a demoted master after a failover) answers
 * PING but refuses the write, and a Cluster with a master down refuses writes to its slots.
 */
export async function probeWrites(client: RedisClient): Promise<void> {
  const keys = keysPerMaster(client, 'ready-probe');
  await Promise.all(keys.map((key) => client.set(key, String(Date.now()), 'PX', PROBE_TTL_MS)));
}

/**
 * `name` once for a single node or Sentinel; in Cluster, one key per master that serves slots
 * (`name:{tag}`, the tag found by trying tags in order), so that something is asked of every master.
 */
export function keysPerMaster(client: RedisClient, name: string): string[] {
  if (!(client instanceof Cluster)) return [name];
  const owners = new Set(client.slots.map((nodes) => nodes?.[0]).filter((n) => n !== undefined));
  const keys: string[] = [];
  for (let tag = 0; owners.size > 0 && tag < SLOTS * 16; tag++) {
    const owner = client.slots[keySlot(String(tag))]?.[0];
    if (owner !== undefined && owners.delete(owner)) keys.push(`${name}:{${tag}}`);
  }
  return keys;
}

export interface EvictionPolicy {
  node: string;
  policy?: string;
  /** Why the policy could not be read (CONFIG not permitted on managed Redis, …). */
  error?: string;
}

export async function readEvictionPolicies(client: RedisClient): Promise<EvictionPolicy[]> {
  return Promise.all(
    masters(client).map(async (node) => {
      const name = `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;
      try {
        const reply = (await node.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
        const policy = reply[1];
        return policy === undefined ? { node: name, error: 'no value returned' } : { node: name, policy };
      } catch (error) {
        return { node: name, error: (error as Error).message };
      }
    }),
  );
}
