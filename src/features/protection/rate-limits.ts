// Sliding-window rate limits on top of the store's fixed-window counters. Each limiter keeps one
// counter per window; the estimate weighs the previous window by how much of it still overlaps
// the sliding window (the "sliding window counter" approximation): two store operations, which
// travel in the request's single store round trip.
import type { RateLimit } from '../../config.ts';
import type { Counter, StoreOp, StoreResult } from '../../platform/store/index.ts';

export interface LimitDecision {
  limiter: string;
  limited: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a request would be allowed again (when limited) or the window resets. */
  resetSeconds: number;
  windowSeconds: number;
}

export interface SlidingWindow {
  readonly name: string;
  readonly rate: RateLimit;
  /** The two store operations for `subject` at time `now`. */
  ops(subject: string, now: number): [StoreOp, StoreOp];
  /** Reads the two results (in the same order) into a decision. */
  decide(results: [StoreResult, StoreResult], now: number): LimitDecision;
}

export function slidingWindow(name: string, rate: RateLimit): SlidingWindow {
  const { limit, windowMs } = rate;
  return {
    name,
    rate,
    ops(subject, now) {
      const index = Math.floor(now / windowMs);
      return [
        // Hash tag: both windows (and, per IP, the block key) in one Redis Cluster slot.
        { op: 'increment', key: `rl:${name}:{${subject}}:${index}`, windowMs: windowMs * 2 },
        { op: 'get', key: `rl:${name}:{${subject}}:${index - 1}` },
      ];
    },
    decide([current, previous], now) {
      const count = (current as Counter).count;
      const before = previous === null || previous === undefined ? 0 : Number(previous);
      const elapsed = (now % windowMs) / windowMs;
      const estimate = before * (1 - elapsed) + count;
      const limited = estimate > limit;
      // When limited: the time until the previous window's weight has decayed enough for one more
      // request, capped by the end of the current window.
      const untilWindowEnd = windowMs - (now % windowMs);
      let waitMs = untilWindowEnd;
      if (limited && before > 0 && count <= limit) {
        const needed = estimate - limit;
        waitMs = Math.min(untilWindowEnd, Math.ceil((needed / before) * windowMs));
      }
      return {
        limiter: name,
        limited,
        limit,
        remaining: Math.max(0, Math.floor(limit - estimate)),
        resetSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
        windowSeconds: Math.round(windowMs / 1000),
      };
    },
  };
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) and Retry-After. */
export function rateLimitHeaders(decision: LimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
    'ratelimit-policy': `${decision.limit};w=${decision.windowSeconds}`,
  };
  if (decision.limited) headers['retry-after'] = String(decision.resetSeconds);
  return headers;
}
