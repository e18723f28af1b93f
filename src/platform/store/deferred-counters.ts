// Counters that may be counted locally and sent to Redis a moment later (usage counting, where a
// per-request round trip is not worth its cost). Each instance adds its own pending increments to
// the last global count Redis returned for the key; a flush every FLUSH_MS sends the pending
// increments in one pipeline and learns the new global counts. The count a request sees can lag
// other instances' calls by at most one flush interval.
import type { Counter } from './types.ts';

interface State {
  windowMs: number;
  pending: number;
  /** The last global count Redis returned, with when that key expires. */
  known: number;
  expiresAt: number;
}

export type FlushIncrements = (
  increments: readonly { key: string; windowMs: number; by: number }[],
) => Promise<readonly Counter[]>;

export class DeferredCounters {
  private counters = new Map<string, State>();
  private timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly flushIncrements: FlushIncrements,
    flushMs = 200,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  increment(key: string, windowMs: number, by = 1): Counter {
    const t = this.now();
    let state = this.counters.get(key);
    if (state === undefined || state.expiresAt <= t) {
      state = { windowMs, pending: 0, known: 0, expiresAt: t + windowMs };
      this.counters.set(key, state);
    }
    state.pending += by;
    return { count: state.known + state.pending, ttlMs: state.expiresAt - t };
  }

  flush(): Promise<void> {
    this.flushing ??= this.send().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async send(): Promise<void> {
    const t = this.now();
    const due: [string, State, number][] = [];
    for (const [key, state] of this.counters) {
      if (state.expiresAt <= t) this.counters.delete(key);
      else if (state.pending > 0) due.push([key, state, state.pending]);
    }
    if (due.length === 0) return;
    let counts: readonly Counter[];
    try {
      counts = await this.flushIncrements(
        due.map(([key, state, by]) => ({ key, windowMs: state.windowMs, by })),
      );
    } catch {
      return; // Redis unreachable: the increments stay pending for the next flush.
    }
    due.forEach(([, state, sent], i) => {
      const counter = counts[i] as Counter;
      state.pending -= sent;
      state.known = counter.count;
      state.expiresAt = this.now() + counter.ttlMs;
    });
  }
}
