// Re-seeding Redis from the database. Redis and the local mirror are caches of what the database
// says is revoked or blocked (DESIGN.md, "On the engines real deployments run"): whenever either
// may have lost data — a reconnect, a lost subscription, a failed write, a restarted or flushed
// server — the database's copy is written back before an authenticated request is answered again.
// This file is the one place that decides "Redis can be trusted again"; redis.ts says when to ask.
//
// Single flight: a request made while a re-seed runs makes it run once more afterwards, because the
// loss may have happened after the running pass read the database. A failed pass leaves the store
// "not seeded" (requests get 503, never an answer from a Redis that may have forgotten a
// revocation) and is retried until one succeeds.

export interface ReseederOptions {
  /** One pass: mark Redis, write the database's state into it. Throws when it could not. */
  run(reason: string): Promise<void>;
  /** Called once a pass succeeded (the mirror may now be loaded from Redis). */
  onSeeded(): void;
  /** Delay before retrying a failed pass. */
  retryMs?: number;
}

export class Reseeder {
  private seeded = false;
  private pending: Promise<void> | undefined;
  private again: string | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  /** Passes started, by the reason that asked for them (the `state_store_reseeds_total` metric). */
  readonly counts: Record<string, number> = {};
  /** Passes that failed (the database or Redis did not answer). */
  failures = 0;

  constructor(private readonly options: ReseederOptions) {}

  /** Redis holds at least the database's state and nothing has put that in doubt since. */
  get current(): boolean {
    return this.seeded && this.pending === undefined;
  }

  /** Redis may have lost data: stop trusting it until a pass has re-seeded it. */
  request(reason: string): void {
    if (this.closed) return;
    this.seeded = false;
    if (this.pending !== undefined) {
      this.again = reason;
      return;
    }
    clearTimeout(this.retry);
    this.pending = this.loop(reason).finally(() => {
      this.pending = undefined;
    });
  }

  private async loop(first: string): Promise<void> {
    let reason: string | undefined = first;
    while (reason !== undefined) {
      this.again = undefined;
      this.counts[reason] = (this.counts[reason] ?? 0) + 1;
      try {
        await this.options.run(reason);
      } catch {
        this.failures++;
        this.again = undefined;
        if (!this.closed) {
          this.retry = setTimeout(() => this.request('retry'), this.options.retryMs ?? 1_000).unref();
        }
        return;
      }
      reason = this.again;
    }
    this.seeded = true;
    this.options.onSeeded();
  }

  /**
   * Resolves once Redis can be trusted; waits at most `boundMs` for a pass in progress, and throws
   * when none succeeded by then (the caller answers 503).
   */
  async wait(boundMs: number): Promise<void> {
    if (this.current) return;
    const pending = this.pending;
    if (pending !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        pending,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, boundMs);
        }),
      ]);
      clearTimeout(timer);
    }
    if (!this.current) throw new Error('state store is being re-seeded from the database');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }
}
