// Noticing that Redis lost data while our connections stayed up. A restart without persistence, a
// failover to a stale replica, FLUSHALL or an eviction can drop revocations without closing any
// connection of ours, so the store checks, off the request path:
//   - each server's `run_id` (INFO server): a new one is a new process, whose data may be older;
//   - a marker key written before every re-seed: gone means keys were flushed or evicted.
// Either one asks for a re-seed (reseed.ts). The marker is written first in a re-seed, so a loss
// while the re-seed runs removes it and is seen at the next check.
//
// "The servers" are whatever `nodes()` returns: [client] for a standalone or Sentinel client,
// `cluster.nodes('master')` for a Cluster (see `redisNodes`).
import type { Cluster, Redis } from 'ioredis';

/** The key (under the store's prefix) whose absence means Redis lost what we wrote. */
export const SEED_MARKER_KEY = 'state:seeded';

/** What the watch needs of a connection: INFO on every node, and the marker through the client. */
export interface WatchedClient {
  info(section: 'server'): Promise<string>;
}

export interface MarkerClient {
  set(key: string, value: string): Promise<unknown>;
  exists(key: string): Promise<number>;
}

/** The Redis servers whose data we depend on: every master of a Cluster, else the one server. */
export function redisNodes(client: Redis | Cluster): Redis[] {
  return 'nodes' in client && typeof client.nodes === 'function'
    ? (client as Cluster).nodes('master')
    : [client as Redis];
}

export function runIdOf(info: string): string | undefined {
  return /^run_id:([0-9a-f]+)\s*$/m.exec(info)?.[1];
}

export interface DataLossWatchOptions {
  nodes(): readonly WatchedClient[];
  marker: MarkerClient;
  /** How often to check, in milliseconds. */
  intervalMs: number;
  /** Whether a check may run now (connected, no re-seed in progress). */
  canCheck(): boolean;
  onLoss(reason: 'run_id changed' | 'marker missing'): void;
}

export interface DataLossWatch {
  /** Writes the marker and records each server's run_id: call at the start of a re-seed. */
  markSeeded(): Promise<void>;
  /** One check; also run by the timer. Resolves to whether a loss was detected. */
  check(): Promise<boolean>;
  close(): void;
}

export function createDataLossWatch(options: DataLossWatchOptions): DataLossWatch {
  // The run_ids seen at the last re-seed. A server not seen before (a Cluster master added by
  // resharding) has data we did not write there either: it counts as changed too.
  let known = new Set<string>();

  const runIds = async (): Promise<string[]> => {
    const infos = await Promise.all(options.nodes().map((node) => node.info('server')));
    return infos.map((info) => runIdOf(info) ?? '');
  };

  const check = async (): Promise<boolean> => {
    if (!options.canCheck()) return false;
    const [ids, marker] = await Promise.all([runIds(), options.marker.exists(SEED_MARKER_KEY)]);
    // A re-seed may have started while we asked: its own marker and run_ids decide, not ours.
    if (!options.canCheck()) return false;
    if (ids.some((id) => !known.has(id))) {
      options.onLoss('run_id changed');
      return true;
    }
    if (marker !== 1) {
      options.onLoss('marker missing');
      return true;
    }
    return false;
  };

  const timer = setInterval(() => {
    // A failed check (Redis unreachable) needs nothing here: the reconnect re-seeds anyway.
    check().catch(() => {});
  }, options.intervalMs).unref();

  return {
    async markSeeded() {
      await options.marker.set(SEED_MARKER_KEY, String(Date.now()));
      known = new Set(await runIds());
    },
    check,
    close: () => clearInterval(timer),
  };
}
