// A map whose entries may expire, and leave memory when they do, read again or not (issue 14:
// 200,000 revocations with a 1 ms TTL stayed held until each was read). Entries with a TTL sit in
// a binary min-heap ordered by expiry, each knowing its own position, so re-setting or deleting a
// key moves or removes its heap slot at once (no stale slots pile up) and a sweep touches only
// what has expired: O(expired × log n), never a walk over every key.
//
// `startSweeping` runs the sweep on an unref'd timer (it never keeps a process alive), in chunks
// so that a mass expiry does not hold the event loop; `stop` ends it.

interface Slot<V> {
  readonly key: string;
  value: V;
  expiresAt: number | null;
  /** Position in the heap, or -1 for an entry that never expires. */
  at: number;
}

export interface SweepReport {
  /** Entries removed by this pass. */
  removed: number;
  /** Entries left (live, or expired since the pass began). */
  remaining: number;
}

export interface SweepOptions {
  intervalMs: number;
  /** Entries removed per turn of the event loop before yielding (default 10,000). */
  chunk?: number;
  /** Called after every pass that removed something (metrics, tests). */
  onSweep?: (report: SweepReport) => void;
}

export class ExpiringMap<V> {
  private slots = new Map<string, Slot<V>>();
  private heap: Slot<V>[] = [];
  /** The heap's largest length since it was last compacted (see `compact`). */
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Entries held, expired ones not yet swept included. */
  get size(): number {
    return this.slots.size;
  }

  /** The live entry for `key`; an expired one is removed on the way. */
  entry(key: string): { readonly value: V; readonly expiresAt: number | null } | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt !== null && slot.expiresAt <= this.now()) {
      this.remove(slot);
      return undefined;
    }
    return slot;
  }

  get(key: string): V | undefined {
    return this.entry(key)?.value;
  }

  /** Sets `key` to `value`, expiring at `expiresAt` (epoch ms) or never (null). */
  set(key: string, value: V, expiresAt: number | null): void {
    const slot = this.slots.get(key);
    if (slot === undefined) {
      const fresh: Slot<V> = { key, value, expiresAt, at: -1 };
      this.slots.set(key, fresh);
      if (expiresAt !== null) this.push(fresh);
      return;
    }
    slot.value = value;
    if (slot.expiresAt === expiresAt) return;
    const earlier = slot.expiresAt !== null && expiresAt !== null && expiresAt < slot.expiresAt;
    slot.expiresAt = expiresAt;
    if (expiresAt === null) this.unheap(slot);
    else if (slot.at === -1) this.push(slot);
    else if (earlier) this.up(slot.at);
    else this.down(slot.at);
  }

  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.remove(slot);
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.heap = [];
    this.peak = 0;
  }

  /** Live keys, in insertion order. */
  *keys(): IterableIterator<string> {
    const t = this.now();
    for (const [key, slot] of this.slots) if (slot.expiresAt === null || slot.expiresAt > t) yield key;
  }

  /** Removes up to `limit` expired entries, soonest first; returns how many it removed. */
  sweep(limit = Number.POSITIVE_INFINITY): number {
    const t = this.now();
    let removed = 0;
    while (removed < limit) {
      const top = this.heap[0];
      if (top === undefined || (top.expiresAt as number) > t) break;
      this.remove(top);
      removed++;
    }
    this.compact();
    return removed;
  }

  /** Whether an entry has expired and waits for the sweep. */
  get hasExpired(): boolean {
    const top = this.heap[0];
    return top !== undefined && (top.expiresAt as number) <= this.now();
  }

  /** Sweeps every `intervalMs` on an unref'd timer until `stop`. */
  startSweeping(options: SweepOptions): void {
    this.stop();
    const chunk = options.chunk ?? 10_000;
    const pass = (removedSoFar: number): void => {
      const removed = removedSoFar + this.sweep(chunk);
      // More expired than one chunk: continue on the next turn, letting requests in between.
      if (this.hasExpired && this.timer !== undefined) {
        setImmediate(() => pass(removed)).unref();
        return;
      }
      this.sweeping = false;
      if (removed > 0) options.onSweep?.({ removed, remaining: this.size });
    };
    this.timer = setInterval(() => {
      if (this.sweeping || !this.hasExpired) return;
      this.sweeping = true;
      pass(0);
    }, options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sweeping = false;
  }

  private remove(slot: Slot<V>): void {
    this.slots.delete(slot.key);
    this.unheap(slot);
  }

  private push(slot: Slot<V>): void {
    slot.at = this.heap.length;
    this.heap.push(slot);
    if (this.heap.length > this.peak) this.peak = this.heap.length;
    this.up(slot.at);
  }

  /** Takes `slot` out of the heap (it stays in the map). */
  private unheap(slot: Slot<V>): void {
    const i = slot.at;
    if (i === -1) return;
    slot.at = -1;
    const last = this.heap.pop() as Slot<V>;
    if (last === slot) return;
    this.heap[i] = last;
    last.at = i;
    this.up(i);
    this.down(last.at);
  }

  // An array keeps its grown backing store after pops: once the heap has shrunk well below its
  // peak, copy it, so a burst of short-lived keys does not pin its high-water mark for good.
  private compact(): void {
    if (this.peak > 1024 && this.heap.length < this.peak / 4) {
      this.heap = this.heap.slice();
      this.peak = this.heap.length;
    }
  }

  private less(a: number, b: number): boolean {
    return ((this.heap[a] as Slot<V>).expiresAt as number) < ((this.heap[b] as Slot<V>).expiresAt as number);
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a] as Slot<V>;
    const y = this.heap[b] as Slot<V>;
    this.heap[a] = y;
    this.heap[b] = x;
    y.at = a;
    x.at = b;
  }

  private up(i: number): void {
    let child = i;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.less(child, parent)) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private down(i: number): void {
    let parent = i;
    const n = this.heap.length;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < n && this.less(left, smallest)) smallest = left;
      if (right < n && this.less(right, smallest)) smallest = right;
      if (smallest === parent) return;
      this.swap(parent, smallest);
      parent = smallest;
    }
  }
}
