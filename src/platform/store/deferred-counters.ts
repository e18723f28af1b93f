// Counters that may be counted locally and sent to Redis a moment later (usage counting, where a
// per-request round trip is not worth its cost). Each instance adds its own unconfirmed increments
// to the last global count Redis returned for the key; a flush every FLUSH_MS sends the pending
// increments in one pipeline and learns the new global counts.
//
// Counted only locally, N instances could each serve up to the limit before hearing of the others
// (issue 13: 110–156 calls served at a limit of 100 over three instances). So an increment that
// declares the `limit` its count is compared against is answered locally only while
//   - this instance's unconfirmed increments (pending, or sent without an answer yet) stay within
//     `localAllowance(limit)` (1/40 of the limit), and
//   - the count it knows stays below `exactFrom(limit)` (90 % of the limit);
// otherwise it goes to Redis at once, atomically, carrying this instance's pending increments of
// the key, and its answer is the global count. Each instance can therefore serve at most
// `localAllowance` calls Redis has not counted yet: with N instances the calls served stay within
// limit + N × limit / 40 (7.5 % over with three instances, 10 % with four). A user well below the
// limit never exceeds the allowance between two flushes and costs no round trip.
import type { Counter, StoreOp, StoreResult } from './types.ts';

interface State {
  windowMs: number;
  /** Counted here, not yet sent. */
  pending: number;
  /** Sent (by a flush or an exact increment), answer not back yet. */
  inFlight: number;
  /** The highest global count Redis returned, with when that key expires. */
  known: number;
  expiresAt: number;
}

export type FlushIncrements = (
  increments: readonly { key: string; windowMs: number; by: number }[],
) => Promise<readonly Counter[]>;

type Increment = Extract<StoreOp, { op: 'increment' }>;

/** Increments this instance may count without Redis having confirmed them, for a limit. */
export function localAllowance(limit: number): number {
  return Math.floor(limit / 40);
}

/** From this count on, every increment is counted in Redis at once. */
export function exactFrom(limit: number): number {
  return Math.floor(limit * 0.9);
}

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

  /** Whether this approximate increment may be answered here (asking counts nothing). */
  answerable(op: Increment): boolean {
    if (op.limit === undefined) return true;
    const state = this.live(op.key);
    const by = op.by ?? 1;
    const unconfirmed = (state?.pending ?? 0) + (state?.inFlight ?? 0) + by;
    return unconfirmed <= localAllowance(op.limit) && (state?.known ?? 0) + unconfirmed < exactFrom(op.limit);
  }

  increment(key: string, windowMs: number, by = 1): Counter {
    const state = this.state(key, windowMs);
    state.pending += by;
    return { count: state.known + state.inFlight + state.pending, ttlMs: state.expiresAt - this.now() };
  }

  /**
   * Runs a batch through Redis (`remote`), counting there the approximate increments that
   * `answerable` refuses: each carries this instance's pending increments of its key, and its
   * answer, the global count, becomes what this instance knows.
   */
  async exactly(
    ops: readonly StoreOp[],
    remote: (ops: readonly StoreOp[]) => Promise<StoreResult[]>,
  ): Promise<StoreResult[]> {
    const sent = new Map<number, { state: State; by: number; carried: number }>();
    const rewritten = ops.map((op, i): StoreOp => {
      if (op.op !== 'increment' || op.approximate !== true || this.answerable(op)) return op;
      const state = this.state(op.key, op.windowMs);
      const carried = state.pending;
      const by = (op.by ?? 1) + carried;
      state.pending = 0;
      state.inFlight += by;
      sent.set(i, { state, by, carried });
      return { op: 'increment', key: op.key, windowMs: op.windowMs, by };
    });
    if (sent.size === 0) return remote(ops);
    let results: StoreResult[];
    try {
      results = await remote(rewritten);
    } catch (error) {
      // The request fails; the increments it carried for earlier calls wait for the next flush.
      for (const { state, by, carried } of sent.values()) {
        state.inFlight -= by;
        state.pending += carried;
      }
      throw error;
    }
    for (const [i, { state, by }] of sent) {
      state.inFlight -= by;
      this.learn(state, results[i] as Counter);
    }
    return results;
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

  private live(key: string): State | undefined {
    const state = this.counters.get(key);
    return state === undefined || state.expiresAt <= this.now() ? undefined : state;
  }

  private state(key: string, windowMs: number): State {
    let state = this.live(key);
    if (state === undefined) {
      state = { windowMs, pending: 0, inFlight: 0, known: 0, expiresAt: this.now() + windowMs };
      this.counters.set(key, state);
    }
    return state;
  }

  /** Counts only grow within a window: an answer that arrives late never lowers what is known. */
  private learn(state: State, counter: Counter): void {
    state.known = Math.max(state.known, counter.count);
    state.expiresAt = this.now() + counter.ttlMs;
  }

  private async send(): Promise<void> {
    const t = this.now();
    const due: [string, State, number][] = [];
    for (const [key, state] of this.counters) {
      if (state.expiresAt <= t) this.counters.delete(key);
      else if (state.pending > 0) due.push([key, state, state.pending]);
    }
    if (due.length === 0) return;
    for (const [, state, by] of due) {
      state.pending -= by;
      state.inFlight += by;
    }
    let counts: readonly Counter[];
    try {
      counts = await this.flushIncrements(
        due.map(([key, state, by]) => ({ key, windowMs: state.windowMs, by })),
      );
    } catch {
      // Redis unreachable: the increments stay pending for the next flush.
      for (const [, state, by] of due) {
        state.inFlight -= by;
        state.pending += by;
      }
      return;
    }
    due.forEach(([, state, by], i) => {
      state.inFlight -= by;
      this.learn(state, counts[i] as Counter);
    });
  }
}
