// The protection feature's refusals. Each carries the headers a well-behaved client needs to wait
// the right time: `Retry-After` (RFC 9110 §10.2.3) and, for limits, the IETF `RateLimit-Policy` /
// `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers), built by rate-limits.ts.
import { AppError, defineErrors } from '../../platform/errors.ts';

export const PROTECTION_ERRORS = defineErrors({
  IP_BLOCKED: 403,
  RATE_LIMITED: 429,
  USER_THROTTLED: 429,
});

declare module '../../platform/errors.ts' {
  interface ErrorCatalogues {
    protection: typeof PROTECTION_ERRORS;
  }
}

/** When an IP block ends, and in development how its holder lifts it (request-gate.ts). */
export interface BlockEnd {
  /** Seconds until the block ends: the `Retry-After` value. */
  retryAfter: number;
  /** The end as an ISO 8601 instant. */
  until: string;
  /** Development only: the command that lifts the block, for the developer who locked themselves out. */
  liftHint?: string;
}

/** The client's address is blocked (brute force, or an operator): the detail says until when. */
export const ipBlocked = ({ retryAfter, until, liftHint }: BlockEnd): AppError =>
  new AppError(
    403,
    'IP_BLOCKED',
    `Access from this address is blocked until ${until} (Retry-After: ${retryAfter} s)${
      liftHint === undefined ? '' : `; to lift it, run "${liftHint}" (development only hint)`
    }`,
    { 'retry-after': String(retryAfter) },
  );

/** A route limit per client address (or per tenant) is exceeded. */
export const rateLimited = (headers: Readonly<Record<string, string>>): AppError =>
  new AppError(429, 'RATE_LIMITED', 'Too many requests', headers);

/** The user is throttled after unusually high API usage, or is over the per-minute threshold. */
export const userThrottled = (headers: Readonly<Record<string, string>>): AppError =>
  new AppError(429, 'USER_THROTTLED', 'Too many requests', headers);
