// The store's connections to Redis: the command connection, and the mirror's subscription. What
// differs between one node, Sentinel and Cluster is redis-topology.ts's; this file adds what the
// store needs on top: its scripts, a short wait for a connection being (re)established, and the
// right kind of subscription connection for the topology.
import { Cluster } from 'ioredis';
import { ClusterSubscriber } from './cluster-subscriber.ts';
import { defineScripts } from './redis-commands.ts';
import type { RedisClient, RedisTopology } from './redis-topology.ts';
import { createClient } from './redis-topology.ts';

/** The mirror's subscription: ioredis's own client, or in Cluster a ClusterSubscriber. */
export type Subscriber = RedisClient | ClusterSubscriber;

export interface ConnectionOptions {
  topology: RedisTopology;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** How long a command waits for a connection that is being (re)established. */
  readyWaitMs: number;
}

export interface RedisConnection {
  readonly client: RedisClient;
  /**
   * Resolves once the command connection is ready, or after `readyWaitMs` (the command then fails
   * fast). Without an offline queue a command sent before the connection is up fails at once: right
   * after start-up and during a reconnect, callers wait briefly for the connection instead.
   */
  connected(): Promise<void>;
  /** A new connection for the mirror's subscription, on the same deployment. */
  subscriber(): Subscriber;
}

export function openConnection(options: ConnectionOptions): RedisConnection {
  const { topology } = options;
  const settings = { keyPrefix: options.keyPrefix, commandTimeoutMs: options.commandTimeoutMs };
  const client = createClient(topology, settings);
  // Connection errors surface through the commands that fail; the event itself is noise.
  client.on('error', () => {});
  defineScripts(client);

  const connected = (): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, options.readyWaitMs);
      client.on('ready', done);
    });

  const subscriber = (): Subscriber =>
    client instanceof Cluster && topology.kind === 'cluster'
      ? new ClusterSubscriber(client, topology.nodes, {
          connectTimeout: 2_000,
          ...(topology.password === undefined ? {} : { password: topology.password }),
        })
      : createClient(topology, settings, true);

  return { client, connected, subscriber };
}
