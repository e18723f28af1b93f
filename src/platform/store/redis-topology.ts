// The three ways to reach Redis — one node, Sentinel, Cluster — through ioredis's own clients, and
// what differs between them for the store: where a batch goes, which nodes are masters, and how
// the mirror's subscription is kept. redis.ts holds everything that is the same.
//
// Fail-fast as before: no offline queue, a command timeout, background reconnection. Sentinel
// clients ask the sentinels for the master on every (re)connection and check its role (ioredis's
// ready check), and a READONLY reply — the node we talk to was demoted — makes them reconnect
// (`reconnectOnError`), so that the store follows a failover without a restart.
import type { ChainableCommander, ClusterOptions, RedisOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';
import { keySlot } from './key-slot.ts';

export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | {
      kind: 'sentinel';
      sentinels: readonly { host: string; port: number }[];
      name: string;
      password?: string;
    }
  | { kind: 'cluster'; nodes: readonly { host: string; port: number }[]; password?: string };

export type RedisClient = Redis | Cluster;

export interface ConnectionSettings {
  keyPrefix: string;
  commandTimeoutMs: number;
}

const RETRY = (attempt: number) => Math.min(attempt * 200, 2_000);

/** A reply that means "not executed here, ask another node": safe to send again. */
export function isRedirection(error: Error): boolean {
  return /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /.test(error.message);
}

export function isReadOnlyReply(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('READONLY');
}

function nodeOptions(settings: ConnectionSettings): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: RETRY,
    // A demoted master answers writes with READONLY: reconnect (Sentinel then names the new
    // master). The failed command itself is not resent (no offline queue); the store retries it.
    reconnectOnError: (error) => (isReadOnlyReply(error) ? 1 : false),
  };
}

/** The command connection (`subscriber: true`: one for the mirror's subscription). */
export function createClient(
  topology: RedisTopology,
  settings: ConnectionSettings,
  subscriber = false,
): RedisClient {
  const base = nodeOptions(settings);
  // A subscription is re-established by ioredis itself; queueing it across a reconnect is fine.
  const own: RedisOptions = subscriber
    ? { ...base, enableOfflineQueue: true }
    : { ...base, keyPrefix: settings.keyPrefix };
  switch (topology.kind) {
    case 'standalone':
      return new Redis(topology.url, own);
    case 'sentinel':
      return new Redis({
        ...own,
        sentinels: topology.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: topology.name,
        role: 'master',
        ...(topology.password === undefined
          ? {}
          : { password: topology.password, sentinelPassword: topology.password }),
        sentinelRetryStrategy: RETRY,
        // Also subscribe to the sentinels' +switch-master: a failover is noticed at once, not
        // only when the old master drops the connection.
        failoverDetector: true,
      });
    case 'cluster': {
      const options: ClusterOptions = {
        keyPrefix: settings.keyPrefix,
        // The cluster's own queue; ioredis keeps the nodes' queues on (they must exist before
        // `ready`), bounded by the command timeout.
        enableOfflineQueue: false,
        enableReadyCheck: true,
        clusterRetryStrategy: RETRY,
        retryDelayOnMoved: 0,
        retryDelayOnTryAgain: 50,
        retryDelayOnClusterDown: 100,
        maxRedirections: 16,
        scaleReads: 'master',
        redisOptions: {
          commandTimeout: settings.commandTimeoutMs,
          connectTimeout: 2_000,
          maxRetriesPerRequest: 1,
          ...(topology.password === undefined ? {} : { password: topology.password }),
        },
      };
      return new Cluster(
        topology.nodes.map((n) => ({ host: n.host, port: n.port })),
        options,
      );
    }
  }
}

/** The connections to every master: one for a single node or Sentinel, each master's in Cluster. */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** One command of a batch: the key it touches (for routing) and how to append it to a pipeline. */
export interface Step {
  key: string;
  add(pipeline: ChainableCommander): void;
}

export type Reply = [Error | null, unknown];

/**
 * Runs `steps` in the fewest round trips the topology allows. One node: one pipeline. Cluster: one
 * pipeline per master owning some of the keys' slots, all in parallel — never one cross-slot
 * pipeline, which ioredis refuses. A step answered with a redirection (a slot moving while we ask)
 * was not executed: it is sent again on its own, and ioredis follows MOVED / ASK / TRYAGAIN for a
 * single-command pipeline.
 */
export async function execSteps(
  client: RedisClient,
  keyPrefix: string,
  steps: readonly Step[],
): Promise<Reply[]> {
  if (!(client instanceof Cluster)) {
    const pipeline = client.pipeline();
    for (const step of steps) step.add(pipeline);
    return ((await pipeline.exec()) ?? []) as Reply[];
  }
  const groups = new Map<string, number[]>();
  steps.forEach((step, i) => {
    const node = client.slots[keySlot(keyPrefix + step.key)]?.[0] ?? '';
    const group = groups.get(node);
    if (group === undefined) groups.set(node, [i]);
    else group.push(i);
  });
  const replies: Reply[] = new Array(steps.length);
  const send = async (indexes: readonly number[]) => {
    const pipeline = client.pipeline();
    for (const i of indexes) (steps[i] as Step).add(pipeline);
    const answered = ((await pipeline.exec()) ?? []) as Reply[];
    indexes.forEach((i, n) => {
      replies[i] = answered[n] ?? [new Error('no reply'), null];
    });
  };
  await Promise.all([...groups.values()].map(send));
  const redirected = replies.flatMap(([error], i) => (error !== null && isRedirection(error) ? [i] : []));
  await Promise.all(redirected.map((i) => send([i])));
  return replies;
}
