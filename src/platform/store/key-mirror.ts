// A local, read-only copy of the state-store keys every request asks about (revocations, inactive
// users, IP blocks, user throttles), kept current by Redis pub/sub: every write of such a key is
// published by the instance that makes it and applied by all. While the copy is in sync, the
// per-request checks cost no round trip; whenever the subscription is down the copy is dropped
// and reads go to Redis again (failing closed with 503 if Redis is down too), and it is rebuilt
// from a snapshot once the subscription is back.
//
// Entries with a TTL (revoked jtis, blocks, throttles) are swept as they expire, read again or not
// (expiring-map.ts): the copy holds the live keys, not every key ever published.
import type { SweepReport } from './expiring-map.ts';
import { ExpiringMap } from './expiring-map.ts';

export interface MirrorMessage {
  /** The key, without the store's prefix. */
  k: string;
  /** The new value, or null when the key was deleted. */
  v: string | null;
  /** Time to live in milliseconds, or null for none. */
  t: number | null;
}

export interface KeyMirrorOptions {
  now?: () => number;
  /** How often expired entries are swept (default 1 s). */
  sweepIntervalMs?: number;
  onSweep?: (report: SweepReport) => void;
}

export class KeyMirror {
  private readonly entries: ExpiringMap<string>;
  private readonly now: () => number;
  private inSync = false;
  /** Messages that arrive while a snapshot is loading, replayed on top of it. */
  private pending: MirrorMessage[] | undefined;

  constructor(
    readonly prefixes: readonly string[],
    options: KeyMirrorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.entries = new ExpiringMap(this.now);
    this.entries.startSweeping({
      intervalMs: options.sweepIntervalMs ?? 1_000,
      ...(options.onSweep === undefined ? {} : { onSweep: options.onSweep }),
    });
  }

  watches(key: string): boolean {
    return this.prefixes.some((prefix) => key.startsWith(prefix));
  }

  get synced(): boolean {
    return this.inSync;
  }

  /** Entries held (expired ones not yet swept included). */
  get size(): number {
    return this.entries.size;
  }

  /** The live value of `key`, or null; only meaningful while `synced`. */
  read(key: string): string | null {
    return this.entries.get(key) ?? null;
  }

  apply(message: MirrorMessage): void {
    if (this.pending !== undefined) {
      this.pending.push(message);
      return;
    }
    if (message.v === null) this.entries.delete(message.k);
    else this.entries.set(message.k, message.v, message.t === null ? null : this.now() + message.t);
  }

  /** Stops the sweep timer (the store is closing). */
  close(): void {
    this.entries.stop();
    this.reset();
  }

  /** The subscription is down: nothing here can be trusted any more. */
  reset(): void {
    this.inSync = false;
    this.pending = undefined;
    this.entries.clear();
  }

  /** Call after subscribing and before reading the snapshot: later messages are kept for replay. */
  beginSnapshot(): void {
    this.inSync = false;
    this.entries.clear();
    this.pending = [];
  }

  /** Installs the snapshot, replays what was published meanwhile, and starts answering reads. */
  finishSnapshot(snapshot: readonly MirrorMessage[]): void {
    const replay = this.pending ?? [];
    this.pending = undefined;
    for (const message of snapshot) this.apply(message);
    for (const message of replay) this.apply(message);
    this.inSync = true;
  }
}
