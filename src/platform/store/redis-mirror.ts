// The Redis store's local mirror (key-mirror.ts) kept in step with Redis: the subscription that
// hears every instance's writes of a mirrored key, the snapshot that (re)builds the copy, and the
// PUBLISH that goes with each mirrored write this instance makes. Whenever the copy may have missed
// something, it is dropped (reads go to Redis) and Redis is put in doubt (a re-seed, reseed.ts).

import type { MirrorMessage } from './key-mirror.ts';
import { KeyMirror } from './key-mirror.ts';
import type { RedisConnection, Subscriber } from './redis-connection.ts';
import { SlotsMovingError, snapshot as snapshotMasters } from './redis-snapshot.ts';
import type { Step } from './redis-topology.ts';
import type { StoreOp } from './types.ts';

export interface MirrorSyncOptions {
  connection: RedisConnection;
  keyPrefix: string;
  /** The key prefixes to mirror (the keys every request reads). */
  prefixes: readonly string[];
  /** False: no subscription; the copy never syncs and every read goes to Redis. */
  enabled: boolean;
  /** Whether Redis holds the database's state and nothing has put that in doubt since. */
  seeded(): boolean;
  /** Redis may have lost data (or the copy may have missed a write): ask for a re-seed. */
  requestReseed(reason: string): void;
}

export interface MirrorSync {
  readonly mirror: KeyMirror;
  /** (Re)builds the copy: only ever after a re-seed, so the snapshot never copies a Redis that lost a key. */
  resync(): Promise<void>;
  /** A re-seed begins: whatever the copy holds came from a Redis we no longer trust. */
  invalidate(): void;
  /**
   * The PUBLISH that tells every instance's copy of a write to a mirrored key (applied to this
   * instance's copy at once), or undefined when the key is not mirrored or mirroring is off.
   */
  publishWrite(op: Extract<StoreOp, { op: 'set' | 'delete' }>): Step | undefined;
  /** Stops the copy's timers (the store is closing). */
  close(): void;
  /** Closes the subscription connection. */
  disconnect(): void;
}

export function createMirrorSync(options: MirrorSyncOptions): MirrorSync {
  const { client } = options.connection;
  const channel = `${options.keyPrefix}mirror`;
  const mirror = new KeyMirror(options.prefixes);
  const subscriber: Subscriber | undefined = options.enabled ? options.connection.subscriber() : undefined;
  const snapshot = () => snapshotMasters(client, options.keyPrefix, options.prefixes);

  // Bumped by every re-seed: a snapshot begun before one is not installed.
  let generation = 0;
  // (Re)builds the mirror: subscribe, then load every mirrored key through the main connection,
  // replaying what was published meanwhile. Only ever after a re-seed (the store's `onSeeded`), so
  // the snapshot never copies a Redis that lost a revocation; a failed attempt, a lost subscription
  // or a subscription that comes back goes through a re-seed again.
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
        // resync catches its own errors (above): nothing to handle here.
        snapshotRetry = setTimeout(() => void resync(), 500).unref();
      } else options.requestReseed('mirror resync');
    } finally {
      syncing = false;
      if (resyncAgain) {
        resyncAgain = false;
        // Not awaited: this attempt is over; the next one handles its own failures (catch above).
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
      if (mirror.synced || options.seeded()) options.requestReseed('subscription lost');
      mirror.reset();
    });
    subscriber.on('message', (_channel: string, text: string) => {
      try {
        mirror.apply(JSON.parse(text) as MirrorMessage);
      } catch {
        // A message we cannot read: stop trusting the copy and load it again.
        mirror.reset();
        options.requestReseed('unreadable mirror message');
      }
    });
    // The first subscription needs no re-seed of its own (connecting already asked for one); a
    // subscription that comes back does, since Redis may have lost keys while no message reached us.
    let subscribedBefore = false;
    subscriber.on('ready', () => {
      if (subscribedBefore) options.requestReseed('subscription restored');
      // An event handler cannot wait; resync handles its own failures (catch above).
      else void resync();
      subscribedBefore = true;
    });
  }

  return {
    mirror,
    resync,
    invalidate: () => {
      generation++;
      mirror.reset();
    },
    publishWrite: (op) => {
      if (!options.enabled || !mirror.watches(op.key)) return undefined;
      const message: MirrorMessage =
        op.op === 'set'
          ? { k: op.key, v: op.value, t: op.ttlMs === undefined ? null : Math.ceil(op.ttlMs) }
          : { k: op.key, v: null, t: null };
      mirror.apply(message);
      // Sent next to its key's command: on the same node, right after it (PUBLISH reaches every node).
      return { key: op.key, add: (pipeline) => void pipeline.publish(channel, JSON.stringify(message)) };
    },
    close: () => {
      clearTimeout(snapshotRetry);
      mirror.close();
    },
    disconnect: () => subscriber?.disconnect(),
  };
}
