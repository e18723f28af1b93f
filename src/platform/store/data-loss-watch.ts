// Noticing that Redis lost data while our connections stayed up. A restart without persistence, a
// failover to a stale replica, FLUSHALL or an eviction can drop revocations without closing any
// connection of ours, so the store checks, off the request path:
//   - each server's `run_id` (INFO server): a new one is a new process, whose data may be older;
//   - a marker key written before every re-seed, one on every master (in Cluster, each in a slot of
//     its own master): gone means that master's keys were flushed or evicted.
// Either one asks for a re-seed (reseed.ts). The marker is written first in a re-seed, so a loss
// while the re-seed runs removes it and is seen at the next check.
//
// "The servers" are whatever `nodes()` returns: [client] for a standalone or Sentinel client,
// every master of a Cluster (`masters` in redis-topology.ts); the marker keys are `markerKeys()`.

/** The name (under the store's prefix) of the keys whose absence means Redis lost what we wrote. */
export const SEED_MARKER_KEY = 'state:seeded';

/** What the watch needs of a connection: INFO on every node, and the marker through the client. */
export interface WatchedClient {
  info(section: 'server'): Promise<string>;
}

export interface MarkerClient {
  set(key: string, value: string): Promise<unknown>;
  exists(key: string): Promise<number>;
}

export function runIdOf(info: string): string | undefined {
  return /^run_id:([0-9a-f]+)\s*$/m.exec(info)?.[1];
}

export interface DataLossWatchOptions {
  nodes(): readonly WatchedClient[];
  marker: MarkerClient;
  /** The marker's keys: one per master (keysPerMaster in redis-nodes.ts). */
  markerKeys(): readonly string[];
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

  // The marker keys written since the last re-seed. A reshard moves them with their slots (so they
  // stay valid evidence) and may leave a master with none: that master gets one of its own, and
  // both are checked from then on, so every master stays covered.
  let written = new Set<string>();

  const check = async (): Promise<boolean> => {
    if (!options.canCheck()) return false;
    const fresh = options.markerKeys().filter((key) => !written.has(key));
    const [ids, markers] = await Promise.all([
      runIds(),
      Promise.all([...written].map((key) => options.marker.exists(key))),
    ]);
    // A re-seed may have started while we asked: its own marker and run_ids decide, not ours.
    if (!options.canCheck()) return false;
    if (ids.some((id) => !known.has(id))) {
      options.onLoss('run_id changed');
      return true;
    }
    if (markers.some((found) => found !== 1)) {
      options.onLoss('marker missing');
      return true;
    }
    if (fresh.length > 0) {
      const stamp = String(Date.now());
      await Promise.all(fresh.map((key) => options.marker.set(key, stamp)));
      for (const key of fresh) written.add(key);
    }
    return false;
  };

  const timer = setInterval(() => {
    // A failed check (Redis unreachable) needs nothing here: the reconnect re-seeds anyway.
    check().catch(() => {});
  }, options.intervalMs).unref();

  return {
    async markSeeded() {
      const stamp = String(Date.now());
      const keys = options.markerKeys();
      await Promise.all(keys.map((key) => options.marker.set(key, stamp)));
      written = new Set(keys);
      known = new Set(await runIds());
    },
    check,
    close: () => clearInterval(timer),
  };
}
