// Redis state store for the server shape: shared by every instance. Commands fail fast while
// Redis is unreachable (no offline queue) so that callers can answer 503 or fall back instead of
// hanging; the client keeps reconnecting in the background and recovers by itself.
//
// Steady-state requests cost no Redis round trip: the keys every request reads (revocations,
// inactive users, IP blocks, throttles: the `mirroredPrefixes` the composition root passes in) are
// answered from a local mirror kept current by pub/sub (redis-mirror.ts), and usage counts are sent
// in the background (deferred-counters.ts). This file composes the parts: the connection
// (redis-connection.ts), the command encoding (redis-commands.ts), the mirror, re-seeding
// (reseed.ts) and data-loss detection (data-loss-watch.ts).
import { createDataLossWatch, SEED_MARKER_KEY } from './data-loss-watch.ts';
import { DeferredCounters } from './deferred-counters.ts';
import { appendCommand, appendIncrement, decodeReply, toCounter } from './redis-commands.ts';
import { openConnection } from './redis-connection.ts';
import { createMirrorSync } from './redis-mirror.ts';
import { keysPerMaster, probeWrites, readEvictionPolicies } from './redis-nodes.ts';
import { scan as scanMasters } from './redis-snapshot.ts';
import type { RedisTopology, Step } from './redis-topology.ts';
import { execSteps, isReadOnlyReply, masters } from './redis-topology.ts';
import { Reseeder } from './reseed.ts';
import type { Counter, StateStore, StoreOp, StoreResult, StoreStats } from './types.ts';
import { StoreUnavailableError } from './types.ts';

export interface RedisStoreOptions {
  /** A standalone Redis; or `topology` for Sentinel and Cluster. */
  url?: string;
  topology?: RedisTopology;
  keyPrefix: string;
  /**
   * The prefixes of the keys every request reads, mirrored locally. Each comes from the feature
   * that owns its keys (src/mirrored-keys.ts gathers them): the platform knows no feature.
   */
  mirroredPrefixes: readonly string[];
  commandTimeoutMs?: number;
  /** How long a command waits for a connection that is being (re)established. */
  readyWaitMs?: number;
  /** Keep the local mirror and deferred counters (default true). */
  mirror?: boolean;
  /** How often to look for data loss (run_id, marker key) while connected (default 1 s). */
  dataLossCheckMs?: number;
  /** How long a command waits for a re-seed in progress before failing (default 3 s). */
  reseedWaitMs?: number;
}

export type RedisStore = StateStore & {
  stats(): StoreStats;
  /** Each master's maxmemory-policy, or why it could not be read (start-up check). */
  evictionPolicies(): Promise<{ node: string; policy?: string; error?: string }[]>;
};

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const connection = openConnection({
    topology: options.topology ?? { kind: 'standalone', url: options.url ?? '' },
    keyPrefix: options.keyPrefix,
    commandTimeoutMs: options.commandTimeoutMs ?? 2_000,
    readyWaitMs: options.readyWaitMs ?? 1_000,
  });
  const { client, connected } = connection;
  const stats = { roundTrips: 0, localBatches: 0 };

  // Re-seeding (reseed.ts): the database's revocations and blocks go back into Redis whenever
  // Redis may have lost them, before anything else is answered. The work gets a view of the store
  // whose commands do not wait for the re-seed itself (see `view`).
  const reconnectWork: ((direct: StateStore, context: { reason: string }) => Promise<void>)[] = [];
  const reseeder = new Reseeder({
    run: async (reason) => {
      sync.invalidate();
      if (client.status !== 'ready') throw new Error('not connected');
      // The marker says "re-seeded since the last loss" to every process on this Redis. Only a
      // store that re-seeds may write it: a process with nothing to write back (a CLI command, a
      // bare store) that noticed a FLUSHALL first would otherwise hide it from every instance.
      if (reconnectWork.length > 0) await watch.markSeeded();
      for (const work of reconnectWork) await work(direct, { reason });
    },
    // resync handles its own failures (it drops the copy and asks for another re-seed).
    onSeeded: () => void sync.resync(),
  });
  const watch = createDataLossWatch({
    nodes: () => masters(client),
    marker: client,
    markerKeys: () => keysPerMaster(client, SEED_MARKER_KEY),
    intervalMs: options.dataLossCheckMs ?? 1_000,
    canCheck: () => client.status === 'ready' && reseeder.current && reconnectWork.length > 0,
    onLoss: (reason) => reseeder.request(reason),
  });
  // Also on the first connection: the store may come up after the app did.
  client.on('ready', () => reseeder.request('reconnect'));

  const useMirror = options.mirror !== false;
  const sync = createMirrorSync({
    connection,
    keyPrefix: options.keyPrefix,
    prefixes: options.mirroredPrefixes,
    enabled: useMirror,
    seeded: () => reseeder.current,
    requestReseed: (reason) => reseeder.request(reason),
  });
  const { mirror } = sync;

  /** Ready to answer: connected, and (unless `bypassWarming`) Redis re-seeded since any doubt. */
  const ready = (bypassWarming: boolean) => client.status === 'ready' && (bypassWarming || reseeder.current);

  const guard = async <T>(work: () => Promise<T>, bypassWarming: boolean): Promise<T> => {
    try {
      if (client.status !== 'ready') await connected();
      if (!bypassWarming && !reseeder.current) await reseeder.wait(options.reseedWaitMs ?? 3_000);
      try {
        return await work();
      } catch (error) {
        // A demoted master (failover): the client is reconnecting to the new one; try once there.
        if (!isReadOnlyReply(error)) throw error;
        await connected();
        return await work();
      }
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  };

  const scan = (prefix: string) => scanMasters(client, options.keyPrefix, prefix);

  const deferred = useMirror
    ? new DeferredCounters((list) =>
        guard(async () => {
          const replies = await execSteps(
            client,
            options.keyPrefix,
            list.map(({ key, windowMs, by }) => ({
              key,
              add: (pipeline) => appendIncrement(pipeline, key, windowMs, by),
            })),
          );
          return replies.map(([error, reply]) => {
            if (error) throw error;
            return toCounter(reply);
          });
        }, false),
      )
    : undefined;

  /** Whether `op` can be answered without Redis (asking has no side effect). */
  function answerableLocally(op: StoreOp): boolean {
    if (op.op === 'increment')
      return op.approximate === true && deferred !== undefined && deferred.answerable(op);
    return (op.op === 'get' || op.op === 'exists') && mirror.synced && mirror.watches(op.key);
  }

  /** Answers an op that `answerableLocally` accepted (an approximate increment counts it). */
  function answerLocally(op: StoreOp): StoreResult {
    if (op.op === 'increment') return (deferred as DeferredCounters).increment(op.key, op.windowMs, op.by);
    const value = mirror.read(op.key);
    return op.op === 'get' ? value : value !== null;
  }

  // The steady state of every request: a batch answered entirely from the mirror and the deferred
  // counters, settled without a round trip and without the async machinery of `guard`.
  function batch(ops: readonly StoreOp[], bypassWarming = false): Promise<StoreResult[]> {
    if (ready(bypassWarming) && ops.every(answerableLocally)) {
      stats.localBatches++;
      return Promise.resolve(ops.map(answerLocally));
    }
    // Approximate increments near their limit are counted in Redis, with this instance's pending ones.
    return guard(() => (deferred ? deferred.exactly(ops, remoteBatch) : remoteBatch(ops)), bypassWarming);
  }

  async function remoteBatch(ops: readonly StoreOp[]): Promise<StoreResult[]> {
    const results: StoreResult[] = new Array(ops.length);
    const remote: number[] = [];
    ops.forEach((op, i) => {
      if (answerableLocally(op)) results[i] = answerLocally(op);
      else remote.push(i);
    });
    if (remote.length === 0) {
      stats.localBatches++;
      return results;
    }
    stats.roundTrips++;
    const steps: Step[] = [];
    const replyIndex: number[] = [];
    for (const i of remote) {
      const op = ops[i] as StoreOp;
      replyIndex.push(steps.length);
      steps.push({ key: op.key, add: (pipeline) => appendCommand(pipeline, op) });
      if (op.op === 'set' || op.op === 'delete') {
        const publish = sync.publishWrite(op);
        if (publish !== undefined) steps.push(publish);
      }
    }
    // A mirrored write (a revocation, a block) that Redis did not confirm may be missing there while
    // this instance's mirror has it: re-seed, so that Redis and every mirror agree with the database.
    const mirroredWrite = remote.some((i) => {
      const op = ops[i] as StoreOp;
      return (op.op === 'set' || op.op === 'delete') && mirror.watches(op.key);
    });
    const notConfirmed = () => {
      if (mirroredWrite) reseeder.request('write not confirmed');
    };
    const replies = await execSteps(client, options.keyPrefix, steps).catch((error: unknown) => {
      notConfirmed();
      throw error;
    });
    remote.forEach((i, n) => {
      const [error, reply] = replies[replyIndex[n] as number] ?? [new Error('no reply'), null];
      if (error) {
        notConfirmed();
        throw error;
      }
      results[i] = decodeReply(ops[i] as StoreOp, reply);
    });
    return results;
  }

  /**
   * The store's methods. `bypassWarming` is the view handed to reconnection work: its own
   * commands must not wait for the work to finish.
   */
  function view(bypassWarming: boolean): StateStore {
    const one = async (op: StoreOp) => (await batch([op], bypassWarming))[0];
    return {
      kind: 'redis',
      get: async (key) => (await one({ op: 'get', key })) as string | null,
      set: async (key, value, ttlMs) => {
        await one(ttlMs === undefined ? { op: 'set', key, value } : { op: 'set', key, value, ttlMs });
      },
      exists: async (key) => (await one({ op: 'exists', key })) as boolean,
      delete: async (key) => {
        await one({ op: 'delete', key });
      },
      increment: async (key, windowMs, by = 1) =>
        (await one({ op: 'increment', key, windowMs, by })) as Counter,
      batch: (ops) => batch(ops, bypassWarming),
      keys: (prefix) => guard(() => scan(prefix), bypassWarming),
      ttl: (key) =>
        guard(async () => {
          const ms = await client.pttl(key);
          return ms < 0 ? null : ms;
        }, bypassWarming),
      // Not just PING: a replica answers that too. /ready must say whether the store can write, on
      // every master.
      ping: () => guard(() => probeWrites(client), bypassWarming),
      onReconnect: (work) => {
        reconnectWork.push(work);
        // Registered after the connection came up: what Redis holds has not been checked yet.
        if (client.status === 'ready') reseeder.request('reconnect');
      },
      close: async () => {
        sync.close();
        reseeder.close();
        watch.close();
        deferred?.close();
        sync.disconnect();
        client.disconnect();
      },
    };
  }
  const direct = view(true);

  return {
    ...view(false),
    stats: () => ({
      ...stats,
      mirrorSynced: mirror.synced,
      mirrorEntries: mirror.size,
      reseeds: { ...reseeder.counts },
      reseedFailures: reseeder.failures,
    }),
    evictionPolicies: () => guard(() => readEvictionPolicies(client), true),
  };
}
