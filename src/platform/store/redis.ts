// Redis state store for the server shape: shared by every instance. Commands fail fast while
// Redis is unreachable (no offline queue) so that callers can answer 503 or fall back instead of
// hanging; the client keeps reconnecting in the background and recovers by itself.
//
// Steady-state requests cost no Redis round trip: the keys every request reads (revocations,
// inactive users, IP blocks, throttles) are answered from a local mirror kept current by pub/sub
// (key-mirror.ts), and usage counts are sent in the background (deferred-counters.ts).
import type { ChainableCommander } from 'ioredis';
import { Cluster } from 'ioredis';
import { ClusterSubscriber } from './cluster-subscriber.ts';
import { createDataLossWatch, SEED_MARKER_KEY } from './data-loss-watch.ts';
import { DeferredCounters } from './deferred-counters.ts';
import type { MirrorMessage } from './key-mirror.ts';
import { KeyMirror } from './key-mirror.ts';
import { keysPerMaster, probeWrites, readEvictionPolicies } from './redis-nodes.ts';
import { SlotsMovingError, scan as scanMasters, snapshot as snapshotMasters } from './redis-snapshot.ts';
import type { RedisTopology, Step } from './redis-topology.ts';
import { createClient, execSteps, isReadOnlyReply, masters } from './redis-topology.ts';
import { Reseeder } from './reseed.ts';
import type { Counter, StateStore, StoreOp, StoreResult, StoreStats } from './types.ts';
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

/** Keys read on every request: mirrored locally. */
export const MIRRORED_PREFIXES = ['revoked:', 'inactive:', 'block:ip:', 'throttle:user:'] as const;

type WithScripts<T> = T & { twIncrement(key: string, windowMs: number, by: number): T };

export interface RedisStoreOptions {
  /** A standalone Redis; or `topology` for Sentinel and Cluster. */
  url?: string;
  topology?: RedisTopology;
  keyPrefix: string;
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
  const topology: RedisTopology = options.topology ?? { kind: 'standalone', url: options.url ?? '' };
  const settings = { keyPrefix: options.keyPrefix, commandTimeoutMs: options.commandTimeoutMs ?? 2_000 };
  const client = createClient(topology, settings);
  // Connection errors surface through the commands that fail; the event itself is noise.
  client.on('error', () => {});
  client.defineCommand('twIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
  const stats = { roundTrips: 0, localBatches: 0 };

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

  // Re-seeding (reseed.ts): the database's revocations and blocks go back into Redis whenever
  // Redis may have lost them, before anything else is answered. The work gets a view of the store
  // whose commands do not wait for the re-seed itself (see `view`).
  const reconnectWork: ((direct: StateStore, context: { reason: string }) => Promise<void>)[] = [];
  // Bumped by every re-seed: a mirror snapshot begun before one is not installed.
  let generation = 0;
  const reseeder = new Reseeder({
    run: async (reason) => {
      generation++;
      // Whatever the mirror holds came from a Redis we no longer trust.
      mirror.reset();
      if (client.status !== 'ready') throw new Error('not connected');
      // The marker says "re-seeded since the last loss" to every process on this Redis. Only a
      // store that re-seeds may write it: a process with nothing to write back (a CLI command, a
      // bare store) that noticed a FLUSHALL first would otherwise hide it from every instance.
      if (reconnectWork.length > 0) await watch.markSeeded();
      for (const work of reconnectWork) await work(direct, { reason });
    },
    onSeeded: () => void resync(),
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

  const channel = `${options.keyPrefix}mirror`;
  const mirror = new KeyMirror(MIRRORED_PREFIXES);
  const useMirror = options.mirror !== false;
  const subscriber = !useMirror
    ? undefined
    : client instanceof Cluster && topology.kind === 'cluster'
      ? new ClusterSubscriber(client, topology.nodes, {
          connectTimeout: 2_000,
          ...(topology.password === undefined ? {} : { password: topology.password }),
        })
      : createClient(topology, settings, true);
  // (Re)builds the mirror: subscribe, then load every mirrored key through the main connection,
  // replaying what was published meanwhile. Only ever after a re-seed (`onSeeded`), so the snapshot
  // never copies a Redis that lost a revocation; a failed attempt, a lost subscription or a
  // subscription that comes back goes through a re-seed again.
  let syncing = false;
  let snapshotRetry: NodeJS.Timeout | undefined;
  // Counts subscription losses: a snapshot taken across one is not trusted.
  let subscription = 0;
  // Asked for while a snapshot was loading (a re-seed finished meanwhile, and that snapshot will
  // discard itself): load again once it is over.
  let resyncAgain = false;
  const resync = async (): Promise<void> => {
    if (syncing) {
      resyncAgain = true;
      return;
    }
    if (subscriber === undefined || mirror.synced) return;
    if (subscriber.status !== 'ready' || client.status !== 'ready') return;
    syncing = true;
    const started = { subscription, generation };
    try {
      mirror.beginSnapshot();
      await subscriber.subscribe(channel);
      const keys = await snapshot();
      if (started.subscription !== subscription)
        throw new Error('subscription lost while loading the snapshot');
      // A re-seed began meanwhile: it resets the mirror and loads it again when done.
      if (started.generation !== generation) return;
      mirror.finishSnapshot(keys);
    } catch (error) {
      mirror.reset();
      // A reshard under way is no sign of lost data: Redis stays trusted (reads go to it directly)
      // and the snapshot is simply taken again. Anything else puts Redis in doubt.
      if (error instanceof SlotsMovingError) {
        clearTimeout(snapshotRetry);
        snapshotRetry = setTimeout(() => void resync(), 500).unref();
      } else reseeder.request('mirror resync');
    } finally {
      syncing = false;
      if (resyncAgain) {
        resyncAgain = false;
        void resync();
      }
    }
  };
  if (subscriber !== undefined) {
    subscriber.on('error', () => {});
    subscriber.on('close', () => {
      subscription++;
      // Until the subscription is back, reads go to Redis directly, which is only valid once it
      // holds the database's state again: the key the mirror held may be gone from Redis.
      if (mirror.synced || reseeder.current) reseeder.request('subscription lost');
      mirror.reset();
    });
    subscriber.on('message', (_channel: string, text: string) => {
      try {
        mirror.apply(JSON.parse(text) as MirrorMessage);
      } catch {
        // A message we cannot read: stop trusting the copy and load it again.
        mirror.reset();
        reseeder.request('unreadable mirror message');
      }
    });
    // The first subscription needs no re-seed of its own (connecting already asked for one); a
    // subscription that comes back does, since Redis may have lost keys while no message reached us.
    let subscribedBefore = false;
    subscriber.on('ready', () => {
      if (subscribedBefore) reseeder.request('subscription restored');
      else void resync();
      subscribedBefore = true;
    });
  }

  const snapshot = () => snapshotMasters(client, options.keyPrefix, MIRRORED_PREFIXES);
  const scan = (prefix: string) => scanMasters(client, options.keyPrefix, prefix);

  const increments = (pipeline: ChainableCommander) => pipeline as WithScripts<ChainableCommander>;
  const toCounter = (reply: unknown): Counter => {
    const [count, ttl] = reply as [number, number];
    return { count: Number(count), ttlMs: Number(ttl) };
  };

  const deferred = useMirror
    ? new DeferredCounters((list) =>
        guard(async () => {
          const replies = await execSteps(
            client,
            options.keyPrefix,
            list.map(({ key, windowMs, by }) => ({
              key,
              add: (pipeline) => void increments(pipeline).twIncrement(key, windowMs, by),
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
      if (useMirror && (op.op === 'set' || op.op === 'delete') && mirror.watches(op.key)) {
        const message: MirrorMessage =
          op.op === 'set'
            ? { k: op.key, v: op.value, t: op.ttlMs === undefined ? null : Math.ceil(op.ttlMs) }
            : { k: op.key, v: null, t: null };
        // Next to its key's command: on the same node, right after it (PUBLISH reaches every node).
        steps.push({
          key: op.key,
          add: (pipeline) => void pipeline.publish(channel, JSON.stringify(message)),
        });
        mirror.apply(message);
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
      const op = ops[i] as StoreOp;
      results[i] =
        op.op === 'get'
          ? (reply as string | null)
          : op.op === 'exists'
            ? reply === 1
            : op.op === 'increment'
              ? toCounter(reply)
              : undefined;
    });
    return results;
  }

  function appendCommand(pipeline: ChainableCommander, op: StoreOp): void {
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
        increments(pipeline).twIncrement(op.key, op.windowMs, op.by ?? 1);
        return;
    }
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
        clearTimeout(snapshotRetry);
        mirror.close();
        reseeder.close();
        watch.close();
        deferred?.close();
        subscriber?.disconnect();
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
