// A local, read-only copy of the state-store keys every request asks about (revocations, inactive
// users, IP blocks, user throttles), kept current by Redis pub/sub: every write of such a key is
// published by the instance that makes it and applied by all. While the copy is in sync, the
// per-request checks cost no round trip; whenever the subscription is down the copy is dropped
// and reads go to Redis again (failing closed with 503 if Redis is down too), and it is rebuilt
// from a snapshot once the subscription is back.

export interface MirrorMessage {
  /** The key, without the store's prefix. */
  k: string;
  /** The new value, or null when the key was deleted. */
  v: string | null;
  /** Time to live in milliseconds, or null for none. */
  t: number | null;
}

interface Entry {
  value: string;
  expiresAt: number | null;
}

export class KeyMirror {
  private entries = new Map<string, Entry>();
  private inSync = false;
  /** Messages that arrive while a snapshot is loading, replayed on top of it. */
  private pending: MirrorMessage[] | undefined;

  constructor(
    readonly prefixes: readonly string[],
    private readonly now: () => number = Date.now,
  ) {}

  watches(key: string): boolean {
    return this.prefixes.some((prefix) => key.startsWith(prefix));
  }

  get synced(): boolean {
    return this.inSync;
  }

  /** The live value of `key`, or null; only meaningful while `synced`. */
  read(key: string): string | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  apply(message: MirrorMessage): void {
    if (this.pending !== undefined) {
      this.pending.push(message);
      return;
    }
    if (message.v === null) this.entries.delete(message.k);
    else
      this.entries.set(message.k, {
        value: message.v,
        expiresAt: message.t === null ? null : this.now() + message.t,
      });
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
