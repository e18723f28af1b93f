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

// The IETF RateLimit header fields, draft-ietf-httpapi-ratelimit-headers-10 (the retired
// RateLimit-Limit / -Remaining / -Reset trio of drafts ≤ 06 is gone). Both are Structured Field
// Lists (RFC 9651) of quoted policy names with parameters:
//   RateLimit-Policy: "login";q=5;w=60      quota q per window of w seconds
//   RateLimit: "login";r=0;t=42             r quota units remaining, t seconds until more is available
// A route counting against several limits lists each of them.

/** RateLimit-Policy and RateLimit for the limits a request counted against; Retry-After when limited. */
export function rateLimitHeaders(decisions: readonly LimitDecision[]): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-policy': decisions.map((d) => `"${d.limiter}";q=${d.limit};w=${d.windowSeconds}`).join(', '),
    ratelimit: decisions.map((d) => `"${d.limiter}";r=${d.remaining};t=${d.resetSeconds}`).join(', '),
  };
  const wait = Math.max(0, ...decisions.filter((d) => d.limited).map((d) => d.resetSeconds));
  if (wait > 0) headers['retry-after'] = String(wait);
  return headers;
}

/** The same fields for a user refused by the usage limit or its throttle (SUSPICIOUS_API_CALLS_PER_MINUTE). */
export function userLimitHeaders(callsPerMinute: number, retrySeconds: number): Record<string, string> {
  return {
    'retry-after': String(retrySeconds),
    'ratelimit-policy': `"user";q=${callsPerMinute};w=60`,
    ratelimit: `"user";r=0;t=${retrySeconds}`,
  };
}

/**
 * When an IP block ends, from the block's stored value (its `expires_at`, ip-blocks.ts): seconds
 * from `now` (at least 1) and the instant; a value without one (never written by this code) is
 * taken to last a whole IP_BLOCK_SECONDS.
 */
export function blockEnd(
  value: string,
  now: number,
  blockSeconds: number,
): { retryAfter: number; until: string } {
  let endsAt = Number.NaN;
  try {
    endsAt = Date.parse((JSON.parse(value) as { expires_at?: unknown }).expires_at as string);
  } catch {
    // Unreadable: the fallback below.
  }
  const seconds = Number.isFinite(endsAt) ? Math.ceil((endsAt - now) / 1000) : blockSeconds;
  const retryAfter = Math.max(1, seconds);
  return {
    retryAfter,
    until: new Date(Number.isFinite(endsAt) && endsAt > now ? endsAt : now + retryAfter * 1000).toISOString(),
  };
}
