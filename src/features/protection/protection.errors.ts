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

/** The client's address is blocked (brute force, or an operator); `retryAfter` in seconds. */
export const ipBlocked = (retryAfter: number): AppError =>
  new AppError(403, 'IP_BLOCKED', 'Access from this address is temporarily blocked', {
    'retry-after': String(retryAfter),
  });

/** A route limit per client address (or per tenant) is exceeded. */
export const rateLimited = (headers: Readonly<Record<string, string>>): AppError =>
  new AppError(429, 'RATE_LIMITED', 'Too many requests', headers);

/** The user is throttled after unusually high API usage, or is over the per-minute threshold. */
export const userThrottled = (headers: Readonly<Record<string, string>>): AppError =>
  new AppError(429, 'USER_THROTTLED', 'Too many requests', headers);
