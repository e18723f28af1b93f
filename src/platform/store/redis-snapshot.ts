// The mirror's snapshot: every mirrored key with its value and TTL, read from every master (in
// Cluster each master holds only its slots' keys; SCAN on one node sees a third of them). A slot
// that moves while the snapshot is taken could carry keys past both SCANs, so in Cluster the slot
// layout is read before and after: if a slot was migrating or changed owner meanwhile, the
// snapshot is refused and the mirror (out of sync, so reads go to Redis) tries again later.
import { Cluster } from 'ioredis';
import type { MirrorMessage } from './key-mirror.ts';
import type { RedisClient, Step } from './redis-topology.ts';
import { execSteps, masters } from './redis-topology.ts';

export async function snapshot(
  client: RedisClient,
  keyPrefix: string,
  prefixes: readonly string[],
): Promise<MirrorMessage[]> {
  const before = await slotLayout(client);
  const messages: MirrorMessage[] = [];
  for (const prefix of prefixes) {
    const keys = await scan(client, keyPrefix, prefix);
    if (keys.length === 0) continue;
    const steps: Step[] = keys.flatMap((key) => [
      { key, add: (p) => void p.get(key) },
      { key, add: (p) => void p.pttl(key) },
    ]);
    const replies = await execSteps(client, keyPrefix, steps);
    keys.forEach((key, i) => {
      const [valueError, value] = replies[i * 2] ?? [new Error('no reply'), null];
      const [ttlError, ttl] = replies[i * 2 + 1] ?? [new Error('no reply'), null];
      if (valueError ?? ttlError) throw valueError ?? ttlError;
      const ms = Number(ttl);
      if (value !== null) messages.push({ k: key, v: value as string, t: ms >= 0 ? ms : null });
    });
  }
  const after = await slotLayout(client);
  if (before !== after) throw new SlotsMovingError('cluster slots moved while the snapshot was taken');
  return messages;
}

/** A Cluster slot moved or was migrating while the mirror's snapshot was read: Redis lost nothing. */
export class SlotsMovingError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'SlotsMovingError';
  }
}

/** Keys starting with `prefix`, without the store's prefix, from every master. */
export async function scan(client: RedisClient, keyPrefix: string, prefix: string): Promise<string[]> {
  // SCAN sees raw key names: add the store's prefix to the pattern and strip it from results.
  const pattern = `${escapeGlob(keyPrefix + prefix)}*`;
  const found = new Set<string>();
  await Promise.all(
    masters(client).map(async (node) => {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        for (const key of batch) found.add(key.slice(keyPrefix.length));
      } while (cursor !== '0');
    }),
  );
  return [...found];
}

/**
 * Which master serves which slots, and whether any slot is migrating (`[slot->-node]`) or
 * importing (`[slot-<-node]`): each master's own line of CLUSTER NODES. Empty outside Cluster.
 */
async function slotLayout(client: RedisClient): Promise<string> {
  if (!(client instanceof Cluster)) return '';
  const lines = await Promise.all(
    client.nodes('master').map(async (node) => {
      const text = (await node.call('CLUSTER', 'NODES')) as string;
      const own = text.split('\n').find((line) => line.includes('myself')) ?? '';
      const fields = own.split(' ');
      if (fields.slice(8).some((slot) => slot.startsWith('['))) {
        throw new SlotsMovingError('a cluster slot is migrating');
      }
      return `${fields[0]} ${fields.slice(8).join(' ')}`;
    }),
  );
  return lines.sort().join('\n');
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
