// The shared state store: revocations, counters, blocks and penalties. One small interface with
// an in-process and a Redis implementation; nothing else in the code knows which one it has.

export interface Counter {
  /** The count in the current window, including this increment. */
  count: number;
  /** Milliseconds until the window (and the counter) expires. */
  ttlMs: number;
}

export type StoreOp =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: string; ttlMs?: number }
  | { op: 'exists'; key: string }
  | { op: 'delete'; key: string }
  | {
      op: 'increment';
      key: string;
      windowMs: number;
      by?: number;
      /**
       * The count may be kept locally and sent to the shared store a moment later (it can lag other
       * instances by a fraction of a second): for counters on every request, such as usage.
       */
      approximate?: boolean;
      /**
       * With `approximate`: the limit the caller compares the count with. Near it, or while many of
       * this instance's increments are unconfirmed, the increment is counted in the shared store at
       * once, so that decisions at the limit hold across instances (deferred-counters.ts).
       */
      limit?: number;
    };

/** What each op yields inside a batch, in the same position. */
export type StoreResult = string | null | boolean | Counter | undefined;

/** How a shared store has been answering (the Redis store; the in-process store has none). */
export interface StoreStats {
  /** Batches that needed Redis. */
  roundTrips: number;
  /** Batches answered locally (mirror, deferred counters). */
  localBatches: number;
  /** Whether the local mirror of the per-request keys is current. */
  mirrorSynced: boolean;
  /** Keys the local mirror holds (live ones, and expired ones until the next sweep). */
  mirrorEntries: number;
  /** Re-seeds of Redis from the database, by what asked for one (reseed.ts). */
  reseeds: Record<string, number>;
  /** Re-seeds that failed (and were retried). */
  reseedFailures: number;
}

export interface StateStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  /** Sets `key`; with `ttlMs` it expires after that many milliseconds. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Atomically adds `by` (default 1) to a fixed-window counter. The first increment of a window
   * starts its TTL of `windowMs`; later ones do not extend it.
   */
  increment(key: string, windowMs: number, by?: number): Promise<Counter>;
  /** Runs several operations in one round trip; results come back in order. */
  batch(ops: readonly StoreOp[]): Promise<StoreResult[]>;
  /** Keys starting with `prefix` (operator listings; never on a request's hot path). */
  keys(prefix: string): Promise<string[]>;
  /** Remaining lifetime of `key` in milliseconds; null when it does not exist or never expires. */
  ttl(key: string): Promise<number | null>;
  ping(): Promise<void>;
  /**
   * Registers the work that re-seeds the store from the database, run whenever the store may have
   * lost data: a (re)connect, a lost subscription, a failed write, a restarted or flushed Redis
   * (`context.reason` says which). Until it has finished, other commands wait (bounded, then
   * fail), so no request is answered from a store that forgot what the database says is revoked;
   * if it fails, commands fail until a retry succeeds. The work receives the store to use for its
   * own commands (they do not wait for the work itself).
   */
  onReconnect(work: (store: StateStore, context: { reason: string }) => Promise<void>): void;
  stats?(): StoreStats;
  close(): Promise<void>;
}

export class StoreUnavailableError extends Error {
  constructor(cause?: unknown) {
    super('state store unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}
